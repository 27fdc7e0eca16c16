using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PLDistill.Distillation.Training;

/// <summary>
/// <c>extends: BASE.yaml</c> in a config file: the file's settings laid over its base's, so that a config which
/// differs from another in a few keys says only those. The base path is relative to the file that names it; a base
/// may extend another. Mappings merge key by key at every depth; a scalar or a list replaces the base's whole value
/// (<c>teacher: null</c> removes a base's teacher).
/// </summary>
internal static class ConfigInheritance
{
    /// <summary>The key that names a file's base.</summary>
    public const string Key = "extends";

    /// <summary>One file of a chain: its path (as the user or its child spelled it) and its own YAML, without <c>extends</c>.</summary>
    /// <param name="Path">The file, relative to the working directory or absolute.</param>
    /// <param name="OwnYaml">Its text with the <c>extends</c> line blanked: line numbers in errors still match the file.</param>
    public sealed record Layer(string Path, string OwnYaml);

    /// <summary>The chain of files that <paramref name="path"/> stands for, its farthest base first and itself last.</summary>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="ArgumentException">A base is missing, the chain has a cycle, or <c>extends</c> is not one file name.</exception>
    public static IReadOnlyList<Layer> Chain(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"config file not found: {path}", path);
        var chain = new List<Layer>();
        var visited = new List<string>();
        string current = path;
        while (true)
        {
            visited.Add(current);
            var (ownYaml, basePath) = Split(File.ReadAllText(current), current);
            chain.Insert(0, new Layer(current, ownYaml));
            if (basePath is null)
                return chain;
            string next = Path.Combine(Path.GetDirectoryName(current) ?? "", basePath);
            if (visited.Any(seen => SameFile(seen, next)))
                throw new ArgumentException($"{current}: {Key}: the chain of bases returns to a file already read: {string.Join(" -> ", visited.Append(next))}");
            if (!File.Exists(next))
                throw new ArgumentException($"{current}: {Key}: base config not found: {next}");
            current = next;
        }
    }

    /// <summary>The layers merged into one YAML document, each over the ones before it.</summary>
    public static string Merge(IEnumerable<Layer> chain)
    {
        var merged = new YamlMappingNode();
        foreach (var layer in chain)
        {
            if (RootMapping(layer.OwnYaml, layer.Path) is { } root)
                MergeInto(merged, root);
        }
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(merged)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>Where a YAML text names a base: the line of its <c>extends</c> key (1-based), or null.</summary>
    /// <exception cref="ArgumentException">The text is not well-formed YAML or repeats a key.</exception>
    public static int? ExtendsLine(string yaml, string source) =>
        RootMapping(yaml, source) is { } root && FindExtends(root) is { } entry ? (int)entry.Key.Start.Line : null;

    /// <summary>The text without its <c>extends</c> entry (that line blanked) and the base it names, or null.</summary>
    private static (string OwnYaml, string? BasePath) Split(string yaml, string source)
    {
        if (RootMapping(yaml, source) is not { } root || FindExtends(root) is not { } entry)
            return (yaml, null);
        var (key, value) = entry;
        if (value is not YamlScalarNode { Value: { Length: > 0 } basePath } || basePath is "~" or "null" or "Null" or "NULL")
            throw new ArgumentException($"{source}: line {key.Start.Line}: {Key} must name one config file, e.g. {Key}: default-student.yaml");
        // Blank the entry's lines rather than re-writing the file, so that a later error's line number is the file's own.
        if (root.Style == YamlDotNet.Core.Events.MappingStyle.Flow || value.End.Line != key.Start.Line)
            throw new ArgumentException($"{source}: line {key.Start.Line}: write {Key} on a line of its own at the top level, e.g. {Key}: default-student.yaml");
        string[] lines = yaml.Split('\n');
        int index = (int)key.Start.Line - 1;
        lines[index] = lines[index].EndsWith('\r') ? "\r" : "";
        return (string.Join('\n', lines), basePath);
    }

    private static (YamlScalarNode Key, YamlNode Value)? FindExtends(YamlMappingNode root)
    {
        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: Key } scalar)
                return (scalar, value);
        }
        return null;
    }

    /// <summary>The document's top-level mapping; null for an empty document or another kind of root (the strict reader
    /// reports that, with its line).</summary>
    /// <exception cref="ArgumentException">Malformed YAML or a repeated key, naming <paramref name="source"/> and the line
    /// (taken for a file without a base, a repeated key had surfaced as an unknown key <c>extends</c>).</exception>
    private static YamlMappingNode? RootMapping(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw StrictYaml.Error(source, e);
        }
        return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
    }

    /// <summary>Lays <paramref name="overlay"/> over <paramref name="target"/>: mappings merge, anything else replaces.</summary>
    private static void MergeInto(YamlMappingNode target, YamlMappingNode overlay)
    {
        foreach (var (key, value) in overlay.Children)
        {
            var existing = target.Children.FirstOrDefault(entry => SameKey(entry.Key, key));
            if (existing.Key is not null && existing.Value is YamlMappingNode baseMapping && value is YamlMappingNode overlayMapping)
            {
                MergeInto(baseMapping, overlayMapping);
                continue;
            }
            if (existing.Key is not null)
                target.Children.Remove(existing.Key);
            target.Children.Add(key, value);
        }
    }

    private static bool SameKey(YamlNode a, YamlNode b) =>
        a is YamlScalarNode { Value: var x } && b is YamlScalarNode { Value: var y } && x == y;

    private static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
