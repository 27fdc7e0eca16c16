using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace PLDistill.Distillation.Training;

/// <summary>Reads and writes <see cref="TrainingConfig"/> as YAML, strictly: unknown keys and wrong types are errors.</summary>
public static class TrainingConfigFile
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .WithTypeMapping<IReadOnlyList<double>, List<double>>()
        .WithTypeMapping<IReadOnlyList<int>, List<int>>()
        .WithTypeMapping<IReadOnlyList<string>, List<string>>()
        .WithTypeInspector(inner => new NullRefusingTypeInspector(inner))
        .WithNodeDeserializer(new NullNumberRefusingDeserializer(), where => where.OnTop())
        .WithDuplicateKeyChecking()
        .Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .WithTypeInspector(inner => new SettableOnly(inner))
        .Build();

    /// <summary>Writes only settable properties: derived values (e.g. window length in samples) are not config.</summary>
    private sealed class SettableOnly(ITypeInspector inner) : YamlDotNet.Serialization.TypeInspectors.ReflectionTypeInspector
    {
        public override IEnumerable<IPropertyDescriptor> GetProperties(Type type, object? container) =>
            inner.GetProperties(type, container).Where(p => p.CanWrite);

        public override string GetEnumName(Type enumType, string name) => inner.GetEnumName(enumType, name);

        public override string GetEnumValue(object enumValue) => inner.GetEnumValue(enumValue);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors. Text cannot extend a base: only a file
    /// has a folder to find its base in (<see cref="Load"/>).</summary>
    /// <exception cref="ArgumentException">Unknown key, wrong type or invalid value; the message names the key (and line).</exception>
    public static TrainingConfig Parse(string yaml, string source) =>
        StrictYaml.Parse<TrainingConfig>(Reader, yaml, source, c => c.Validate());

    /// <summary>Reads a YAML file and, when it says <c>extends: BASE.yaml</c>, the bases under it
    /// (<see cref="ConfigInheritance"/>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A bad key, type or value in any file of the chain (naming that file and line),
    /// a missing base, a cycle of bases, or an invalid merged config.</exception>
    public static TrainingConfig Load(string path) =>
        StrictYaml.Load<TrainingConfig>(Reader, path, c => c.Validate());

    /// <summary>The fully resolved config as YAML (every default spelled out), for the run folder.</summary>
    public static string ToYaml(TrainingConfig config) => Writer.Serialize(config);
}
