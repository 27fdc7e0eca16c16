using System.Text.Json;

namespace PLDistill.Audio.Data;

/// <summary>
/// A paired speech/text corpus read from a <c>manifest.jsonl</c> (one JSON object per line, as written by
/// <c>tools/make-paired-corpus.sh</c>), every line validated, split by the manifest's <c>split</c> field.
/// </summary>
/// <remarks>
/// Each line needs <c>id</c>, <c>wav</c> (relative to the manifest's folder, or absolute), <c>text</c>, <c>voice</c>,
/// <c>rate</c>, <c>pitch</c>, <c>speaker</c>, <c>split</c> (train, valid or test) and <c>seconds</c>; other fields are
/// ignored. Ids must be unique, WAV files must exist, and no speaker may be on two sides of the split.
/// Blank lines are skipped. The first problem found throws a <see cref="PairedCorpusException"/>.
/// </remarks>
public sealed class PairedCorpus
{
    /// <summary>The manifest's file name inside a corpus folder.</summary>
    public const string ManifestFileName = "manifest.jsonl";

    /// <summary>Highest pitch on espeak-ng's scale.</summary>
    public const int MaxPitch = 99;

    private static readonly string[] SplitNames = ["train", "valid", "test"];

    private readonly IReadOnlyList<PairedUtterance>[] _bySplit;

    private PairedCorpus(string manifestPath, IReadOnlyList<PairedUtterance> utterances)
    {
        ManifestPath = manifestPath;
        Root = Path.GetDirectoryName(manifestPath)!;
        Utterances = utterances;
        _bySplit = Enum.GetValues<PairedSplit>().Select(s => (IReadOnlyList<PairedUtterance>)utterances.Where(u => u.Split == s).ToArray()).ToArray();
    }

    /// <summary>Full path of the manifest read.</summary>
    public string ManifestPath { get; }

    /// <summary>The folder relative WAV paths were resolved against (the manifest's folder).</summary>
    public string Root { get; }

    /// <summary>All utterances in manifest order.</summary>
    public IReadOnlyList<PairedUtterance> Utterances { get; }

    /// <summary>Total audio length recorded in the manifest.</summary>
    public TimeSpan TotalDuration => TimeSpan.FromTicks(Utterances.Sum(u => u.Duration.Ticks));

    /// <summary>The utterances on one side of the split, in manifest order.</summary>
    public IReadOnlyList<PairedUtterance> InSplit(PairedSplit split)
    {
        if (!Enum.IsDefined(split))
            throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split");
        return _bySplit[(int)split];
    }

    /// <summary>The distinct speakers on one side of the split, sorted ordinally.</summary>
    public IReadOnlyList<string> SpeakersIn(PairedSplit split) =>
        InSplit(split).Select(u => u.Speaker).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>The manifest's spelling of <paramref name="split"/>: train, valid or test.</summary>
    public static string ManifestName(PairedSplit split) =>
        Enum.IsDefined(split) ? SplitNames[(int)split] : throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split");

    /// <summary>Reads and validates a manifest.</summary>
    /// <param name="path">The <c>manifest.jsonl</c> itself, or the corpus folder that holds it.</param>
    /// <exception cref="FileNotFoundException">There is no manifest there.</exception>
    /// <exception cref="PairedCorpusException">A line is malformed, or the corpus as a whole is unusable.</exception>
    public static PairedCorpus Load(string path) => Load(path, readMore: null);

    /// <summary>
    /// <see cref="Load(string)"/>, handing each valid line's utterance and JSON to <paramref name="readMore"/> in the same
    /// pass, so a richer corpus (<see cref="IntentCorpus"/>) reads its own fields with the same line-numbered errors.
    /// </summary>
    internal static PairedCorpus Load(string path, Action<PairedUtterance, JsonElement, LineContext>? readMore)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string manifest = Path.GetFullPath(Directory.Exists(path) ? Path.Combine(path, ManifestFileName) : path);
        if (!File.Exists(manifest))
            throw new FileNotFoundException($"paired-corpus manifest not found: {manifest}", manifest);
        string root = Path.GetDirectoryName(manifest)!;

        var utterances = new List<PairedUtterance>();
        var lineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var sideOfSpeaker = new Dictionary<string, (PairedSplit Split, int Line)>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(manifest))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var utterance = ParseLine(line, new LineContext(manifest, lineNumber, root), readMore);
            if (!lineOfId.TryAdd(utterance.Id, lineNumber))
                throw new PairedCorpusException(manifest, lineNumber, PairedCorpusProblem.DuplicateId,
                    $"duplicate id '{utterance.Id}' (first on line {lineOfId[utterance.Id]})");
            if (sideOfSpeaker.TryGetValue(utterance.Speaker, out var side) && side.Split != utterance.Split)
                throw new PairedCorpusException(manifest, lineNumber, PairedCorpusProblem.SpeakerInTwoSplits,
                    $"speaker '{utterance.Speaker}' is in {ManifestName(utterance.Split)} here but in {ManifestName(side.Split)} on line {side.Line}: the split would not be speaker independent");
            sideOfSpeaker.TryAdd(utterance.Speaker, (utterance.Split, lineNumber));
            utterances.Add(utterance);
        }
        if (utterances.Count == 0)
            throw new PairedCorpusException(manifest, 0, PairedCorpusProblem.Empty, "the manifest holds no utterances");
        return new PairedCorpus(manifest, utterances);
    }

    private static PairedUtterance ParseLine(string line, LineContext at, Action<PairedUtterance, JsonElement, LineContext>? readMore)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException bad)
        {
            throw at.Error(PairedCorpusProblem.BadJson, $"not valid JSON: {bad.Message}", bad);
        }
        using (document)
        {
            JsonElement json = document.RootElement;
            if (json.ValueKind != JsonValueKind.Object)
                throw at.Error(PairedCorpusProblem.BadJson, $"expected a JSON object, found {json.ValueKind}");

            string id = RequiredString(json, "id", at);
            string wav = RequiredString(json, "wav", at);
            string text = RequiredString(json, "text", at);
            string voice = RequiredString(json, "voice", at);
            int rate = RequiredInt(json, "rate", 1, int.MaxValue, at);
            int pitch = RequiredInt(json, "pitch", 0, MaxPitch, at);
            string speaker = RequiredString(json, "speaker", at);
            string splitName = RequiredString(json, "split", at);
            double seconds = RequiredNumber(json, "seconds", at);

            int splitIndex = Array.IndexOf(SplitNames, splitName);
            if (splitIndex < 0)
                throw at.Error(PairedCorpusProblem.UnknownSplit, $"unknown split '{splitName}' (expected train, valid or test)");
            if (!double.IsFinite(seconds) || seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds)
                throw at.Error(PairedCorpusProblem.InvalidField, $"field 'seconds' must be a positive duration, got {seconds}");

            string wavPath = Path.GetFullPath(Path.Combine(at.Root, wav));
            if (!File.Exists(wavPath))
                throw at.Error(PairedCorpusProblem.MissingWav, $"WAV file of '{id}' not found: {wavPath}");
            var utterance = new PairedUtterance(id, wavPath, text, voice, rate, pitch, speaker, (PairedSplit)splitIndex, TimeSpan.FromSeconds(seconds));
            readMore?.Invoke(utterance, json, at);
            return utterance;
        }
    }

    private static JsonElement Required(JsonElement json, string name, LineContext at) =>
        json.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw at.Error(PairedCorpusProblem.MissingField, $"missing field '{name}'");

    internal static string RequiredString(JsonElement json, string name, LineContext at)
    {
        JsonElement value = Required(json, name, at);
        if (value.ValueKind != JsonValueKind.String)
            throw at.Error(PairedCorpusProblem.InvalidField, $"field '{name}' must be a string, found {value.ValueKind}");
        string text = value.GetString()!;
        return !string.IsNullOrWhiteSpace(text) ? text : throw at.Error(PairedCorpusProblem.InvalidField, $"field '{name}' is empty");
    }

    private static int RequiredInt(JsonElement json, string name, int min, int max, LineContext at)
    {
        JsonElement value = Required(json, name, at);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
            throw at.Error(PairedCorpusProblem.InvalidField, $"field '{name}' must be a whole number, found {value.GetRawText()}");
        return number >= min && number <= max ? number
            : throw at.Error(PairedCorpusProblem.InvalidField, $"field '{name}' must be {min}..{max}, got {number}");
    }

    private static double RequiredNumber(JsonElement json, string name, LineContext at)
    {
        JsonElement value = Required(json, name, at);
        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw at.Error(PairedCorpusProblem.InvalidField, $"field '{name}' must be a number, found {value.ValueKind}");
    }

    /// <summary>Where a line is, so that every error names the file and line.</summary>
    internal readonly record struct LineContext(string Manifest, int Line, string Root)
    {
        public PairedCorpusException Error(PairedCorpusProblem problem, string detail, Exception? inner = null) =>
            new(Manifest, Line, problem, detail, inner);
    }
}
