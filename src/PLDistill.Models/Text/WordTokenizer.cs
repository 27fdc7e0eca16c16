using System.Text.Json;
using System.Text.RegularExpressions;
using PLDistill.Models.Lalm;

namespace PLDistill.Models.Text;

/// <summary>
/// A word-level tokenizer: lower-cased words (letters and digits, with inner apostrophes as in "don't") and single
/// punctuation marks, looked up in a vocabulary of the words seen at least <c>minFrequency</c> times in a corpus; anything
/// else becomes <see cref="Unknown"/>. Ids 0 … 4 are the special tokens <see cref="Pad"/>, <see cref="Cls"/>,
/// <see cref="Sep"/>, <see cref="Mask"/>, <see cref="Unknown"/>; words follow by falling frequency (ties ordinal).
/// </summary>
/// <remarks>
/// A sentence encodes as <c>[CLS] w₁ … wₙ [SEP]</c>, as BERT's does, so exported outputs have the same layout. Saved as JSON:
/// <c>{"format": "pldistill-word-tokenizer", "version": 1, "min_frequency": 2, "tokens": ["[PAD]", …]}</c>.
/// Immutable and thread safe.
/// </remarks>
public sealed partial class WordTokenizer
{
    /// <summary>The JSON file's "format" value.</summary>
    public const string FormatName = "pldistill-word-tokenizer";

    /// <summary>The JSON file's "version" value this build reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Padding (id 0).</summary>
    public const string Pad = "[PAD]";
    /// <summary>Start of a sentence (id 1).</summary>
    public const string Cls = "[CLS]";
    /// <summary>End of a sentence (id 2).</summary>
    public const string Sep = "[SEP]";
    /// <summary>A masked word, for masked-language-model training (id 3).</summary>
    public const string Mask = "[MASK]";
    /// <summary>A word outside the vocabulary (id 4).</summary>
    public const string Unknown = "[UNK]";

    /// <summary>The special tokens, in id order.</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = [Pad, Cls, Sep, Mask, Unknown];

    private readonly TextVocabulary vocabulary;   // the id map and its duplicate check

    /// <summary>A tokenizer over <paramref name="tokens"/>, which must start with <see cref="SpecialTokens"/> and be distinct.</summary>
    /// <exception cref="ArgumentException">The tokens do not start with the special tokens, or one appears twice.</exception>
    public WordTokenizer(IReadOnlyList<string> tokens, int minFrequency)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);
        if (tokens.Count < SpecialTokens.Count || !tokens.Take(SpecialTokens.Count).SequenceEqual(SpecialTokens))
            throw new ArgumentException($"the vocabulary must start with {string.Join(" ", SpecialTokens)}", nameof(tokens));
        vocabulary = new TextVocabulary(tokens);
        MinFrequency = minFrequency;
    }

    /// <summary>Tokens in id order.</summary>
    public IReadOnlyList<string> Tokens => vocabulary.Tokens;

    /// <summary>V: the vocabulary's size, special tokens included.</summary>
    public int Count => Tokens.Count;

    /// <summary>How often a word had to occur in the corpus to be in the vocabulary.</summary>
    public int MinFrequency { get; }

    /// <summary>Id of <see cref="Pad"/>.</summary>
    public static int PadId => 0;
    /// <summary>Id of <see cref="Cls"/>.</summary>
    public static int ClsId => 1;
    /// <summary>Id of <see cref="Sep"/>.</summary>
    public static int SepId => 2;
    /// <summary>Id of <see cref="Mask"/>.</summary>
    public static int MaskId => 3;
    /// <summary>Id of <see cref="Unknown"/>.</summary>
    public static int UnknownId => 4;

    /// <summary>The first id of an ordinary word.</summary>
    public static int FirstWordId => SpecialTokens.Count;

    /// <summary>
    /// Builds the vocabulary of <paramref name="sentences"/>: every word seen at least <paramref name="minFrequency"/> times,
    /// most frequent first, at most <paramref name="maxWords"/> of them (null: no limit).
    /// </summary>
    public static WordTokenizer Build(IEnumerable<string> sentences, int minFrequency = 2, int? maxWords = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string sentence in sentences)
            foreach (string word in Split(sentence))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        var words = counts.Where(p => p.Value >= minFrequency && !SpecialTokens.Contains(p.Key))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key)
            .Take(maxWords ?? int.MaxValue);
        return new WordTokenizer([.. SpecialTokens, .. words], minFrequency);
    }

    /// <summary>The lower-cased words and punctuation marks of <paramref name="text"/>, before vocabulary lookup.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string normal = text.Replace('\u2019', '\'').Replace('\u2018', '\'').ToLowerInvariant();
        return [.. WordPattern().Matches(normal).Select(m => m.Value)];
    }

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
    public int Id(string token) => vocabulary.TryGetId(token, out int id) ? id : UnknownId;

    /// <summary>
    /// <c>[CLS] words… [SEP]</c> ids of <paramref name="text"/>, keeping at most <paramref name="maxLength"/> ids in all
    /// (words beyond are dropped; [SEP] stays last).
    /// </summary>
    public int[] Encode(string text, int maxLength = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var words = Split(text);
        int kept = Math.Min(words.Count, maxLength - 2);
        var encoded = new int[kept + 2];
        encoded[0] = ClsId;
        for (int i = 0; i < kept; i++)
            encoded[i + 1] = Id(words[i]);
        encoded[^1] = SepId;
        return encoded;
    }

    /// <summary>The tokens of <paramref name="encoded"/> ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string[] Decode(IEnumerable<int> encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        return [.. encoded.Select(id => (uint)id < (uint)Count ? Tokens[id] : throw new ArgumentOutOfRangeException(nameof(encoded), id, $"id is outside 0 … {Count - 1}"))];
    }

    /// <summary>Writes the vocabulary as JSON to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("format", FormatName);
        writer.WriteNumber("version", FormatVersion);
        writer.WriteNumber("min_frequency", MinFrequency);
        writer.WriteStartArray("tokens");
        foreach (string token in Tokens)
            writer.WriteStringValue(token);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads a vocabulary written by <see cref="Save"/>.</summary>
    /// <exception cref="TextModelFileException">The file is missing, not JSON, or not a tokenizer of this format and version.</exception>
    public static WordTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new TextModelFileException(path, "no such tokenizer file");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                throw new TextModelFileException(path, $"not a tokenizer file (its \"format\" must be \"{FormatName}\")");
            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion)
                throw new TextModelFileException(path, $"unsupported tokenizer version; this build reads version {FormatVersion}");
            if (!root.TryGetProperty("min_frequency", out var minimum) || minimum.ValueKind != JsonValueKind.Number || !minimum.TryGetInt32(out int minFrequency) || minFrequency < 1)
                throw new TextModelFileException(path, "\"min_frequency\" must be a whole number of at least 1");
            if (!root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Array || tokens.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                throw new TextModelFileException(path, "\"tokens\" must be an array of strings");
            return new WordTokenizer([.. tokens.EnumerateArray().Select(t => t.GetString()!)], minFrequency);
        }
        catch (JsonException bad)
        {
            throw new TextModelFileException(path, $"bad JSON: {bad.Message}", bad);
        }
        catch (Exception bad) when (bad is ArgumentException or FormatException)
        {
            throw new TextModelFileException(path, bad.Message, bad);
        }
    }

    // A word: letters or digits, with inner apostrophes or hyphens kept ("don't", "well-bred"); else one punctuation mark.
    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['\-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]")]
    private static partial Regex WordPattern();
}
