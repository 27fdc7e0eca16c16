using System.Text.Json;

namespace PLDistill.Models.Text;

/// <summary>
/// Saves and loads a trained text encoder as a folder: <c>encoder.json</c> (format, version, <see cref="TextEncoderConfig"/>),
/// <c>tokenizer.json</c> (<see cref="WordTokenizer"/>) and <c>encoder.weights</c> (TorchSharp's state file).
/// </summary>
public static class TextEncoderFolder
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFileName = "encoder.json";

    /// <summary>The tokenizer file's name.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFileName = "encoder.weights";

    /// <summary>The configuration file's "format" value.</summary>
    public const string FormatName = "pldistill-text-encoder";

    /// <summary>The configuration file's "version" value this build reads.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="encoder"/> and <paramref name="tokenizer"/> into <paramref name="folder"/> (created if needed).</summary>
    /// <exception cref="ArgumentException">The tokenizer's size is not the encoder's vocabulary size.</exception>
    public static void Save(string folder, TextEncoder encoder, WordTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.Count != encoder.Config.VocabularySize)
            throw new ArgumentException($"the tokenizer has {tokenizer.Count} tokens but the encoder's vocabulary is {encoder.Config.VocabularySize}");
        Directory.CreateDirectory(folder);
        var document = new SavedConfig(FormatName, FormatVersion, encoder.Config);
        File.WriteAllText(Path.Combine(folder, ConfigFileName), JsonSerializer.Serialize(document, Json));
        tokenizer.Save(Path.Combine(folder, TokenizerFileName));
        encoder.save(Path.Combine(folder, WeightsFileName));
    }

    /// <summary>The encoder (in eval mode, on the CPU) and tokenizer saved in <paramref name="folder"/>.</summary>
    /// <exception cref="TextModelFileException">A file is missing or unreadable, or the files do not fit together.</exception>
    public static (TextEncoder Encoder, WordTokenizer Tokenizer) Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new TextModelFileException(folder, "no such text-encoder folder");
        var config = ReadConfig(Path.Combine(folder, ConfigFileName));
        var tokenizer = WordTokenizer.Load(Path.Combine(folder, TokenizerFileName));
        if (tokenizer.Count != config.VocabularySize)
            throw new TextModelFileException(folder, $"{TokenizerFileName} has {tokenizer.Count} tokens but {ConfigFileName} says the vocabulary has {config.VocabularySize}");
        string weights = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weights))
            throw new TextModelFileException(weights, "no weights file");
        var encoder = new TextEncoder(config);
        try
        {
            encoder.load(weights, strict: true);
        }
        catch (Exception bad) when (bad is ArgumentException or IOException or InvalidOperationException or NotImplementedException)
        {
            encoder.Dispose();
            throw new TextModelFileException(weights, $"the weights do not fit {ConfigFileName}: {bad.Message}", bad);
        }
        encoder.eval();
        return (encoder, tokenizer);
    }

    private static TextEncoderConfig ReadConfig(string path)
    {
        if (!File.Exists(path))
            throw new TextModelFileException(path, "no configuration file");
        SavedConfig? saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedConfig>(File.ReadAllBytes(path));
        }
        catch (JsonException bad)
        {
            throw new TextModelFileException(path, $"bad JSON: {bad.Message}", bad);
        }
        if (saved is null || saved.Format != FormatName)
            throw new TextModelFileException(path, $"not a text-encoder configuration (its \"Format\" must be \"{FormatName}\")");
        if (saved.Version != FormatVersion)
            throw new TextModelFileException(path, $"unsupported version {saved.Version}; this build reads version {FormatVersion}");
        try
        {
            return (saved.Config ?? throw new TextModelFileException(path, "no \"Config\"")).Validate();
        }
        catch (ArgumentException bad)
        {
            throw new TextModelFileException(path, bad.Message, bad);
        }
    }

    /// <summary>The JSON document of <see cref="ConfigFileName"/>.</summary>
    private sealed record SavedConfig(string Format, int Version, TextEncoderConfig Config);
}
