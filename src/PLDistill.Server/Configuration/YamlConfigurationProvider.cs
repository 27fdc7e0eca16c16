using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PLDistill.Server.Configuration;

/// <summary>Flattens one YAML document into configuration keys: <c>limits: { max_streams: 8 }</c> becomes <c>limits:max_streams = 8</c>.</summary>
public sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    /// <inheritdoc />
    public override void Load(Stream stream)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream);
            yaml.Load(reader);
        }
        catch (YamlException bad)
        {
            throw new FormatException($"line {bad.Start.Line}, column {bad.Start.Column}: {bad.Message}", bad);
        }
        catch (InvalidOperationException bad)
        {
            // YamlDotNet's parser fails this way (without a position) on a flow collection that is never closed.
            throw new FormatException("malformed YAML: is a '[' or '{' never closed?", bad);
        }
        if (yaml.Documents.Count > 1)
            throw new FormatException($"line {yaml.Documents[1].RootNode.Start.Line}: a second YAML document ('---'); a configuration is one document");
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (yaml.Documents.Count > 0)
            Flatten(yaml.Documents[0].RootNode, "", data);
        Data = data;
    }

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    string name = ((YamlScalarNode)key).Value ?? "";
                    Flatten(value, prefix.Length == 0 ? name : $"{prefix}{ConfigurationPath.KeyDelimiter}{name}", data);
                }
                break;
            case YamlSequenceNode sequence:
                for (int i = 0; i < sequence.Children.Count; i++)
                    Flatten(sequence.Children[i], $"{prefix}{ConfigurationPath.KeyDelimiter}{i}", data);
                break;
            case YamlScalarNode scalar:
                // "key:" with nothing after it (a forgotten value, or a section whose lines are all commented out), ~ and
                // null: refused, as the training configs refuse them, rather than read as "use the default" in silence.
                bool isNull = scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");
                if (isNull && prefix.Length > 0)
                    throw new FormatException($"line {scalar.Start.Line}: '{prefix.Replace(ConfigurationPath.KeyDelimiter, ".")}' has no value; " +
                                              "give one, or delete the line to keep the default");
                if (data.ContainsKey(prefix))
                    throw new FormatException($"key '{prefix}' appears twice");
                if (!isNull)
                    data[prefix] = scalar.Value;
                break;
        }
    }
}
