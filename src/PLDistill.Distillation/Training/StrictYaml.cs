using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace PLDistill.Distillation.Training;

/// <summary>Config files read strictly: a YAML error or an invalid value becomes one <see cref="ArgumentException"/> naming the source.</summary>
internal static class StrictYaml
{
    /// <summary>
    /// Deserialises <paramref name="yaml"/> with <paramref name="reader"/> (an empty document gives a default
    /// <typeparamref name="T"/>) and validates it; <paramref name="source"/> (a file name) leads every error message.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown key, wrong type (with line and column) or invalid value.</exception>
    public static T Parse<T>(IDeserializer reader, string yaml, string source, Func<T, T> validate) where T : class, new()
    {
        if (ConfigInheritance.ExtendsLine(yaml, source) is { } line)
            throw new ArgumentException($"{source}: line {line}: {ConfigInheritance.Key} works in a config file only (its base is found beside it)");
        T value;
        try
        {
            value = reader.Deserialize<T?>(yaml) ?? new T();
        }
        catch (YamlException e)
        {
            throw Error(source, e);
        }
        try
        {
            return validate(value);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>A YAML error (malformed text, a duplicate key, an unknown key, a wrong type) as one naming the source, line and column.</summary>
    public static ArgumentException Error(string source, YamlException e)
    {
        string detail = e.InnerException?.Message ?? e.Message;
        return new ArgumentException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {detail}", e);
    }

    /// <summary>
    /// Reads a config file and, when it says <c>extends: BASE.yaml</c>, the bases under it (<see cref="ConfigInheritance"/>):
    /// each file alone first, so that an unknown key or a wrong type is reported with its own file and line, then the
    /// merged document, validated.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A bad key, type or value in any file of the chain, a missing base, a cycle of
    /// bases, or an invalid merged config.</exception>
    public static T Load<T>(IDeserializer reader, string path, Func<T, T> validate) where T : class, new()
    {
        var chain = ConfigInheritance.Chain(path);
        if (chain.Count == 1)
            return Parse(reader, chain[0].OwnYaml, path, validate);
        foreach (var layer in chain)
            Parse<T>(reader, layer.OwnYaml, layer.Path, c => c);
        string bases = string.Join(" <- ", chain.Take(chain.Count - 1).Reverse().Select(layer => layer.Path));
        return Parse(reader, ConfigInheritance.Merge(chain), $"{path} (extending {bases})", validate);
    }
}
