using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.TypeInspectors;

namespace PLDistill.Distillation.Training;

/// <summary>
/// Refuses a null YAML value (<c>~</c>, <c>null</c>, or a key whose lines are all commented out) for a property that
/// cannot hold one, e.g. <c>training:</c> or <c>data: { train_actors: ~ }</c>: the reader would otherwise store null
/// and the first use of the section would throw a <see cref="NullReferenceException"/>. Properties declared nullable
/// (<c>teacher</c>, <c>model</c>, <c>training.ema_decay</c>, ...) still take null.
/// </summary>
/// <remarks>YamlDotNet's own <c>WithEnforceNullability</c> also refuses null for <see cref="Nullable{T}"/> properties
/// and names no key; the reader turns the error thrown here into one with the key's line and column.</remarks>
internal sealed class NullRefusingTypeInspector(ITypeInspector inner) : TypeInspectorSkeleton
{
    public override IEnumerable<IPropertyDescriptor> GetProperties(Type type, object? container) =>
        inner.GetProperties(type, container).Select(property => new Refusing(property));

    public override string GetEnumName(Type enumType, string name) => inner.GetEnumName(enumType, name);

    public override string GetEnumValue(object enumValue) => inner.GetEnumValue(enumValue);

    public override bool HasParseMethod(Type type) => inner.HasParseMethod(type);

    public override object Parse(string value, Type type) => inner.Parse(value, type)!;

    private sealed class Refusing(IPropertyDescriptor property) : IPropertyDescriptor
    {
        public void Write(object target, object? value)
        {
            if (value is null && !property.AllowNulls && Nullable.GetUnderlyingType(property.Type) is null)
            {
                string what = property.Type == typeof(string) ? "value"
                    : typeof(System.Collections.IEnumerable).IsAssignableFrom(property.Type) ? "items" : "keys";
                throw new ArgumentException($"'{Name}' is empty; give its {what} or leave it out");
            }
            property.Write(target, value);
        }

        public string Name => property.Name;
        public bool AllowNulls => property.AllowNulls;
        public bool CanWrite => property.CanWrite;
        public Type Type => property.Type;
        public Type? TypeOverride { get => property.TypeOverride; set => property.TypeOverride = value; }
        public int Order { get => property.Order; set => property.Order = value; }
        public ScalarStyle ScalarStyle { get => property.ScalarStyle; set => property.ScalarStyle = value; }
        public bool Required => property.Required;
        public Type? ConverterType => property.ConverterType;
        public T? GetCustomAttribute<T>() where T : Attribute => property.GetCustomAttribute<T>();
        public IObjectDescriptor Read(object target) => property.Read(target);
    }
}
