using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace PLDistill.Distillation.Training;

/// <summary>
/// Refuses a null YAML value (<c>~</c>, <c>null</c>, or nothing) for a number or switch that cannot be null, e.g.
/// <c>seed: ~</c>: YamlDotNet reads it as 0 or false without a word (<see cref="NullRefusingTypeInspector"/> covers
/// sections, lists and text, which it stores as null). Nullable numbers (<c>ema_decay</c>) still take null.
/// </summary>
internal sealed class NullNumberRefusingDeserializer : INodeDeserializer
{
    public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value,
                            ObjectDeserializer rootDeserializer)
    {
        if (expectedType.IsValueType && Nullable.GetUnderlyingType(expectedType) is null
            && reader.Current is Scalar { IsPlainImplicit: true } scalar && scalar.Value is "" or "~" or "null" or "Null" or "NULL")
            throw new YamlException(scalar.Start, scalar.End, $"an empty value where {Describe(expectedType)} belongs: give one or leave the key out");
        value = null;
        return false;
    }

    private static string Describe(Type type) => type == typeof(bool) ? "true or false" : type.IsEnum ? "a name" : "a number";
}
