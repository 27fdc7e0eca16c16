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
        T value;
        try
        {
            value = reader.Deserialize<T?>(yaml) ?? new T();
        }
        catch (YamlException e)
        {
            string detail = e.InnerException?.Message ?? e.Message;
            throw new ArgumentException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {detail}", e);
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
}
