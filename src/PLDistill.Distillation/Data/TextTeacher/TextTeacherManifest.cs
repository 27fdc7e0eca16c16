using System.Text.Json;
using PLDistill.Distillation.Data.Npy;

namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>
/// Reads and validates a text-outputs manifest: the header line, then one utterance per line, each .npy file's header
/// checked against the tokens and the header's sizes. Values are not read here.
/// </summary>
internal sealed class TextTeacherManifest
{
    private static readonly string[] HeaderFields = ["format", "version", "model", "feature_layer", "width", "layers", "heads"];

    private readonly string root;
    private readonly string manifest;
    private readonly Dictionary<string, int> lineById = new(StringComparer.Ordinal);
    private int line;

    private TextTeacherManifest(string root, string manifest)
    {
        this.root = root;
        this.manifest = manifest;
    }

    /// <summary>The header and utterances of the folder <paramref name="folder"/>.</summary>
    /// <exception cref="TextTeacherOutputsException">The first problem found, with its line.</exception>
    public static (string Manifest, TextTeacherHeader Header, IReadOnlyList<TextTeacherUtterance> Utterances) Read(string folder)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(root))
            throw new TextTeacherOutputsException(root, null, "no such folder");
        string manifest = Path.Combine(root, TextTeacherOutputs.ManifestFileName);
        if (!File.Exists(manifest))
            throw new TextTeacherOutputsException(manifest, null, "no manifest; write the folder with tools/export_text_outputs.py");
        var (header, utterances) = new TextTeacherManifest(root, manifest).ReadLines();
        return (manifest, header, utterances);
    }

    private (TextTeacherHeader, List<TextTeacherUtterance>) ReadLines()
    {
        TextTeacherHeader? header = null;
        var utterances = new List<TextTeacherUtterance>();
        foreach (string text in File.ReadLines(manifest))
        {
            line++;
            if (header is not null && string.IsNullOrWhiteSpace(text))
                continue;
            using var document = Parse(text);
            if (header is null)
                header = Header(document.RootElement);
            else
                utterances.Add(Utterance(document.RootElement, header));
        }
        if (header is null)
            throw new TextTeacherOutputsException(manifest, null, "the manifest is empty; its first line must be the header");
        if (utterances.Count == 0)
            throw new TextTeacherOutputsException(manifest, null, "no utterances after the header");
        return (header, utterances);
    }

    private JsonDocument Parse(string text)
    {
        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                return document;
            document.Dispose();
            throw Fail("expected a JSON object");
        }
        catch (JsonException bad)
        {
            throw Fail($"bad JSON: {bad.Message}", bad);
        }
    }

    private TextTeacherHeader Header(JsonElement fields)
    {
        if (!fields.TryGetProperty("format", out _))
            throw Fail($"the first line must be the header, e.g. {{\"format\": \"{TextTeacherOutputs.FormatName}\", " +
                       $"\"version\": {TextTeacherOutputs.FormatVersion}, \"width\": 768, \"layers\": 12, \"heads\": 12}}");
        foreach (var field in fields.EnumerateObject())
            if (!HeaderFields.Contains(field.Name, StringComparer.Ordinal))
                throw Fail($"unknown header field '{field.Name}'; the header has {string.Join(", ", HeaderFields)}");
        string format = String(fields, "format");
        if (format != TextTeacherOutputs.FormatName)
            throw Fail($"format '{format}' is not '{TextTeacherOutputs.FormatName}'");
        int version = Integer(fields, "version") ?? throw Fail("missing field 'version'");
        if (version != TextTeacherOutputs.FormatVersion)
            throw Fail($"format version {version} is not supported; this build reads version {TextTeacherOutputs.FormatVersion}");
        string? model = fields.TryGetProperty("model", out var m) && m.ValueKind != JsonValueKind.Null ? String(fields, "model") : null;
        int width = Integer(fields, "width") ?? throw Fail("missing field 'width'");
        int? layers = Integer(fields, "layers"), heads = Integer(fields, "heads");
        if (width < 1)
            throw Fail($"width {width} must be at least 1");
        if (layers is null != heads is null)
            throw Fail("give both 'layers' and 'heads' (the folder has attention) or neither (it has none)");
        if (layers < 1 || heads < 1)
            throw Fail($"layers {layers} and heads {heads} must be at least 1; leave both out for a folder without attention");
        return new TextTeacherHeader(model, Integer(fields, "feature_layer"), width, layers ?? 0, heads ?? 0);
    }

    private TextTeacherUtterance Utterance(JsonElement fields, TextTeacherHeader header)
    {
        string id = String(fields, "id");
        if (id.Length == 0)
            throw Fail("'id' is empty");
        if (!lineById.TryAdd(id, line))
            throw Fail($"duplicate id '{id}' (first on line {lineById[id]})");
        string text = String(fields, "text");
        var tokens = Tokens(fields);

        var features = Array(fields, "features");
        if (features.Shape.Count != 2)
            throw Fail($"features '{Relative(features)}' has shape {features.ShapeText}; it must be (T, D)");
        if (features.Shape[0] != tokens.Length)
            throw Fail($"{tokens.Length} tokens but features '{Relative(features)}' has {features.Shape[0]} rows (T); each token needs one row");
        if (features.Shape[1] != header.Width)
            throw Fail($"features '{Relative(features)}' have width {features.Shape[1]} but the header's width is {header.Width}; " +
                       "every utterance must have the same width");

        NpyHeader? attention = null;
        bool given = fields.TryGetProperty("attention", out var a) && a.ValueKind != JsonValueKind.Null;
        if (given && !header.HasAttention)
            throw Fail("has 'attention' but the header declares no layers and heads");
        if (header.HasAttention)
        {
            if (!given)
                throw Fail($"missing field 'attention': the header declares {header.Layers} layers of {header.Heads} heads");
            attention = Array(fields, "attention");
            long[] expected = [header.Layers, header.Heads, tokens.Length, tokens.Length];
            if (!attention.Shape.SequenceEqual(expected))
                throw Fail($"attention '{Relative(attention)}' has shape {attention.ShapeText}; it must be (layers, heads, T, T) = " +
                           $"({string.Join(", ", expected)})");
        }
        return new TextTeacherUtterance(id, text, tokens, features, attention, line);
    }

    private string[] Tokens(JsonElement fields)
    {
        if (!fields.TryGetProperty("tokens", out var tokens))
            throw Fail("missing field 'tokens'");
        if (tokens.ValueKind != JsonValueKind.Array || tokens.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            throw Fail("'tokens' must be an array of strings");
        if (tokens.GetArrayLength() == 0)
            throw Fail("'tokens' is empty; an utterance needs at least one token");
        return [.. tokens.EnumerateArray().Select(t => t.GetString()!)];
    }

    /// <summary>The checked header of the .npy file that field <paramref name="name"/> names, relative to the folder.</summary>
    private NpyHeader Array(JsonElement fields, string name)
    {
        string relative = String(fields, name);
        if (relative.Length == 0 || Path.IsPathRooted(relative))
            throw Fail($"'{name}' must be a path relative to the folder, not '{relative}'");
        string path = Path.GetFullPath(Path.Combine(root, relative));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw Fail($"{name} path '{relative}' leaves the folder");
        if (!File.Exists(path))
            throw Fail($"{name} file '{relative}' does not exist");
        try
        {
            return NpyReader.ReadHeader(path);
        }
        catch (NpyFormatException bad)
        {
            throw Fail($"{name} file '{relative}': {bad.Problem}", bad);
        }
        catch (IOException bad)
        {
            throw Fail($"{name} file '{relative}' cannot be read: {bad.Message}", bad);
        }
    }

    private string String(JsonElement fields, string name)
    {
        if (!fields.TryGetProperty(name, out var value))
            throw Fail($"missing field '{name}'");
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Fail($"'{name}' must be a string, not {value.GetRawText()}");
    }

    private int? Integer(JsonElement fields, string name)
    {
        if (!fields.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw Fail($"'{name}' must be an integer, not {value.GetRawText()}");
    }

    private string Relative(NpyHeader array) => Path.GetRelativePath(root, array.Path);

    private TextTeacherOutputsException Fail(string problem, Exception? inner = null) => new(manifest, line, problem, inner);
}
