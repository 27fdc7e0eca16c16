using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// Sentences of real English prose for training the text teacher: read from a plain, gzip or dictzip (<c>.dict.dz</c>) text
/// file (fortune(6) files too), split into paragraphs at blank lines and into sentences after <c>. ! ?</c> before a capital, deduplicated, and
/// with any sentence that overlaps a held-out sentence (e.g. the paired corpus's test split) removed.
/// </summary>
/// <remarks>
/// The default source is The Devil's Dictionary (Ambrose Bierce, 1881–1906, public domain), Debian package dict-devil,
/// which tools/make-paired-corpus.sh also speaks: 383,000 words. Dictionary headwords ("ABSOLUTE, adj."), bracketed
/// etymologies and the dictd header entries are dropped. Overlap is decided on <see cref="Key"/>s (lower-case letters and
/// digits): a sentence is removed when its key contains, or is contained in, an excluded key, so a test sentence split
/// differently here, or one carrying a headword, is still caught.
/// </remarks>
public static partial class EnglishSentences
{
    /// <summary>The <c>--corpus-text</c> value that names the Debian package's file.</summary>
    public const string DebianDefault = "dict-devil";

    /// <summary>Where Debian's dict-devil installs The Devil's Dictionary.</summary>
    public const string DevilDictionaryPath = "/usr/share/dictd/devil.dict.dz";

    /// <summary>The <c>--corpus-text</c> value that names the English prose files of Debian's fortunes and fortunes-min.</summary>
    public const string FortunesDefault = "fortunes";

    /// <summary>Where Debian's fortunes packages install their files.</summary>
    public const string FortunesFolder = "/usr/share/games/fortunes";

    // Quotations and prose; left out: ASCII art, code (linux, perl), offensive (ethnic), and Debian or project in-jokes.
    private static readonly string[] FortuneFiles = ["art", "computers", "cookie", "definitions", "education", "food", "fortunes",
        "humorists", "kids", "law", "literature", "love", "magic", "medicine", "men-women", "miscellaneous", "news", "people", "pets",
        "platitudes", "politics", "science", "songs-poems", "sports", "wisdom", "work"];

    /// <summary>Shortest sentence kept, in words: shorter pieces are headings and fragments.</summary>
    public const int MinWords = 3;

    /// <summary>Longest sentence kept, in words; longer ones are mostly run-on verse.</summary>
    public const int MaxWords = 60;

    /// <summary>
    /// The files <paramref name="fileOrDefault"/> names: <see cref="DevilDictionaryPath"/> for <see cref="DebianDefault"/>,
    /// the prose files in <see cref="FortunesFolder"/> for <see cref="FortunesDefault"/>, else the file itself.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist (for a default: the package is not installed).</exception>
    public static IReadOnlyList<string> ResolveSource(string fileOrDefault)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrDefault);
        if (string.Equals(fileOrDefault, FortunesDefault, StringComparison.OrdinalIgnoreCase))
        {
            string[] files = [.. FortuneFiles.Select(f => Path.Combine(FortunesFolder, f)).Where(File.Exists)];
            return files.Length > 0 ? files : throw new FileNotFoundException(
                $"no fortune files in {FortunesFolder}: install the Debian packages fortunes and fortunes-min, or give a text file", FortunesFolder);
        }
        return [ResolveFile(fileOrDefault)];
    }

    private static string ResolveFile(string fileOrDefault)
    {
        bool debian = string.Equals(fileOrDefault, DebianDefault, StringComparison.OrdinalIgnoreCase);
        string path = debian ? DevilDictionaryPath : Path.GetFullPath(fileOrDefault);
        if (!File.Exists(path))
            throw new FileNotFoundException(debian
                ? $"{DevilDictionaryPath} not found: install the Debian package dict-devil (apt-get install dict-devil) or give a text file"
                : $"corpus text not found: {path}", path);
        return path;
    }

    /// <summary>The text of <paramref name="path"/>, decompressed when it ends in .gz or .dz (dictzip is gzip).</summary>
    public static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        bool compressed = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".dz", StringComparison.OrdinalIgnoreCase);
        using Stream text = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(text, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The distinct sentences of <paramref name="text"/> of <see cref="MinWords"/> … <see cref="MaxWords"/> words, in order.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<string>();
        string clean = Attribution().Replace(FortuneSeparator().Replace(text.Replace("\r", "", StringComparison.Ordinal), ""), "");
        foreach (string paragraph in ParagraphBreak().Split(clean))
        {
            if (paragraph.StartsWith("00-database", StringComparison.Ordinal) || paragraph.Contains("://", StringComparison.Ordinal))
                continue;
            string prose = Space().Replace(paragraph, " ").Trim();
            prose = Headword().Replace(prose, "");
            prose = Etymology().Replace(prose, "");
            prose = Space().Replace(Dash().Replace(prose, ", "), " ").Trim();
            foreach (string piece in SentenceBreak().Split(prose))
            {
                string sentence = piece.Trim();
                int words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                if (words is >= MinWords and <= MaxWords && sentence.Any(char.IsLetter) && seen.Add(Key(sentence)))
                    sentences.Add(sentence);
            }
        }
        return sentences;
    }

    /// <summary>
    /// <paramref name="sentences"/> without those that overlap an <paramref name="excluded"/> sentence (see the remarks);
    /// <paramref name="removed"/> counts them.
    /// </summary>
    public static IReadOnlyList<string> Excluding(IReadOnlyList<string> sentences, IEnumerable<string> excluded, out int removed)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(excluded);
        string[] keys = [.. excluded.Select(s => $" {Key(s)} ").Where(k => k.Trim().Length > 0).Distinct(StringComparer.Ordinal)];
        var kept = new List<string>(sentences.Count);
        foreach (string sentence in sentences)
        {
            string key = $" {Key(sentence)} ";
            if (!keys.Any(k => key.Contains(k, StringComparison.Ordinal) || k.Contains(key, StringComparison.Ordinal)))
                kept.Add(sentence);
        }
        removed = sentences.Count - kept.Count;
        return kept;
    }

    /// <summary>The words of <paramref name="sentence"/>, lower-cased letters and digits only, one space apart.</summary>
    public static string Key(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        return NotAlphanumeric().Replace(sentence.ToLowerInvariant(), " ").Trim();
    }

    // fortune(6) files separate entries with a line holding only %; make it a blank line
    [GeneratedRegex(@"^%[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex FortuneSeparator();

    // an indented "-- Mark Twain" under a quotation is not part of it
    [GeneratedRegex(@"^[ \t]+--[ \t].*$", RegexOptions.Multiline)]
    private static partial Regex Attribution();

    [GeneratedRegex(@"\n[ \t]*\n")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    // "ABSOLUTE ABSOLUTE, adj. " (dictd repeats the headword) or "ABSENT, adj. ": words of two or more capitals, then parts of speech.
    [GeneratedRegex(@"^(?:[A-Z][A-Z'\-]+[ ,]*)+(?:\([^)]*\))?,?\s*(?:[a-z]{1,4}\.\s*)*")]
    private static partial Regex Headword();

    [GeneratedRegex(@"\s*--\s*")]
    private static partial Regex Dash();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Etymology();

    [GeneratedRegex(@"(?<=[.!?][""')]?)\s+(?=[""'(]?[A-Z])")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"[^\p{L}\p{N}]+")]
    private static partial Regex NotAlphanumeric();
}
