using PLDistill.Distillation.Training;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace PLDistill.Distillation.Pad;

/// <summary>
/// Reads a PAD run's settings (<see cref="PadTrainingOptions"/>) from YAML, strictly: unknown keys and wrong types are
/// errors naming the line. Keys are the properties in snake case, e.g.
/// <c>loss: { variant: span_local, use_priors: true, prior_layers: [0], anchors: 8, span_widths: [2, 4, 8] }</c>,
/// <c>epochs: 4</c>, <c>seed: 1</c>, <c>batch_size: 16</c>, <c>learning_rate: 0.0003</c>.
/// </summary>
public static class PadConfigFile
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .WithTypeMapping<IReadOnlyList<int>, List<int>>()
        .WithTypeInspector(inner => new NullRefusingTypeInspector(inner))
        .WithNodeDeserializer(new NullNumberRefusingDeserializer(), where => where.OnTop())
        .WithDuplicateKeyChecking()
        .Build();

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ArgumentException">Unknown key, wrong type or invalid value; the message names the source and the key or line.</exception>
    public static PadTrainingOptions Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return StrictYaml.Parse<PadTrainingOptions>(Reader, yaml, source, c => c.Validate());
    }

    /// <summary>Reads a YAML file and, when it says <c>extends: BASE.yaml</c>, the bases under it
    /// (<see cref="Training.ConfigInheritance"/>, as training configs do).</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ArgumentException">See <see cref="Parse"/>; also a missing base or a cycle of bases.</exception>
    public static PadTrainingOptions Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return StrictYaml.Load<PadTrainingOptions>(Reader, path, c => c.Validate());
    }
}
