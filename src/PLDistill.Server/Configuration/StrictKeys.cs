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
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            string key = path.Length == 0 ? child.Key : $"{path}.{child.Key}";
            if (!properties.TryGetValue(child.Key, out var property))
                throw new ServerConfigurationException(
                    $"unknown key '{key}'; known keys here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}");
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
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

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0]
        : null;
}
