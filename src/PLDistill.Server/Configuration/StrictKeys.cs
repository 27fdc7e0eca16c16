using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>
/// Rejects configuration keys that no setting reads, honouring <see cref="ConfigurationKeyNameAttribute"/> (the binder's
/// own <c>ErrorOnUnknownConfiguration</c> compares property names only, so snake_case keys would all count as unknown).
/// </summary>
internal static class StrictKeys
{
    /// <exception cref="ServerConfigurationException">The first unknown key, with the keys that are known there.</exception>
    public static void Check(IConfiguration section, Type type, string path)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(KeyName, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            string key = path.Length == 0 ? child.Key : $"{path}.{child.Key}";
            if (!properties.TryGetValue(child.Key, out var property))
                throw new ServerConfigurationException(
                    $"unknown key '{key}'; known keys here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}");
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            // The binder drops a value where a section belongs ("metrics: false") and a section where a value belongs,
            // silently keeping the default: both are type errors here.
            bool holdsSection = child.GetChildren().Any();
            bool wantsSection = ElementType(target) is not null || IsSection(target);
            if (wantsSection && !holdsSection && !string.IsNullOrEmpty(child.Value))
                throw new ServerConfigurationException(ElementType(target) is not null
                    ? $"'{key}' is a list, not a single value ('{child.Value}'): write [{child.Value}]"
                    : $"'{key}' is a section, not a value ('{child.Value}'); its keys: {string.Join(", ", SectionKeys(target))}");
            if (!wantsSection && holdsSection)
                throw new ServerConfigurationException($"'{key}' takes a value, not a section");
            if (ElementType(target) is { } element)
            {
                if (IsSection(element))
                {
                    foreach (var item in child.GetChildren())
                        Check(item, element, $"{key}[{item.Key}]");
                }
            }
            else if (IsSection(target))
            {
                Check(child, target, key);
            }
        }
    }

    private static bool IsSection(Type type) => type.IsClass && type != typeof(string);

    private static IEnumerable<string> SectionKeys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .Select(KeyName).Order(StringComparer.Ordinal);

    // The key as the binder reads it (ignoring case): the declared snake_case name, else the property's own, shown in
    // lower case as a file writes it.
    private static string KeyName(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name.ToLowerInvariant();

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0]
        : null;
}
