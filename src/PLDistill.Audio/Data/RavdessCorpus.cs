namespace PLDistill.Audio.Data;

/// <summary>The RAVDESS clips found under a folder (recursively), in a stable order, and the files that were skipped.</summary>
public sealed class RavdessCorpus
{
    /// <summary>Where the shared copy lives relative to the repository root.</summary>
    public const string SharedRelativePath = "../shared/data/ravdess";

    /// <summary>Environment variable that overrides where the RAVDESS folder is.</summary>
    public const string RootEnvironmentVariable = "PLDISTILL_RAVDESS";

    private RavdessCorpus(string root, IReadOnlyList<RavdessClip> clips, IReadOnlyList<string> skipped)
    {
        Root = root;
        Clips = clips;
        Skipped = skipped;
    }

    /// <summary>The folder scanned.</summary>
    public string Root { get; }

    /// <summary>Clips ordered by actor, then file name.</summary>
    public IReadOnlyList<RavdessClip> Clips { get; }

    /// <summary>One line per .wav file that is not a RAVDESS speech clip, saying why.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// One line on the .wav files that are not RAVDESS-named speech (a typo in a name, a song clip), which no score or
    /// training set includes; null when there are none. Callers print it: a silent omission would change a score unseen.
    /// </summary>
    public string? SkippedSummary => Skipped.Count == 0 ? null
        : $"ignored {Skipped.Count} .wav file{(Skipped.Count == 1 ? "" : "s")} under {Root} that "
          + $"{(Skipped.Count == 1 ? "is" : "are")} not RAVDESS-named speech, e.g. {Skipped[0]}";

    /// <summary>Scans <paramref name="root"/> and its subfolders for RAVDESS-named .wav files.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static RavdessCorpus Scan(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"RAVDESS folder not found: {Path.GetFullPath(root)}");
        var clips = new List<RavdessClip>();
        var skipped = new List<string>();
        foreach (string file in WavFiles(root))
        {
            if (RavdessFileName.TryParse(file, out string? reason) is { } clip)
                clips.Add(clip);
            else
                skipped.Add(reason!);
        }
        clips.Sort((a, b) => a.Actor != b.Actor ? a.Actor.CompareTo(b.Actor)
            : string.CompareOrdinal(Path.GetFileName(a.Path), Path.GetFileName(b.Path)));
        skipped.Sort(StringComparer.Ordinal);
        return new RavdessCorpus(Path.GetFullPath(root), clips, skipped);
    }

    /// <summary>
    /// Every .wav file under <paramref name="root"/>, each once, named by the path it was found at. Symbolic links are
    /// followed (an evaluation folder of links to actor folders is usual), but each folder is entered once and each file
    /// counted once by its canonical path, however many links reach it: <c>self -> .</c> used to count every clip
    /// dozens of times, and <c>up -> ..</c> beside it made the scan grow without end.
    /// </summary>
    /// <remarks>
    /// Folders are walked breadth first and their entries in ordinal order, so when two names reach one file, the one
    /// kept does not depend on the file system's order.
    /// </remarks>
    private static List<string> WavFiles(string root)
    {
        var files = new List<string>();
        string canonicalRoot = CanonicalPath.Resolve(root) ?? Path.GetFullPath(root);
        var enteredFolders = new HashSet<string>(StringComparer.Ordinal) { canonicalRoot };
        var countedFiles = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<(string Path, string Canonical)>();
        pending.Enqueue((Path.GetFullPath(root), canonicalRoot));
        while (pending.TryDequeue(out var folder))
        {
            foreach (var entry in new DirectoryInfo(folder.Path).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                string path = Path.Join(folder.Path, entry.Name);
                string inFolder = Path.Join(folder.Canonical, entry.Name);
                bool isLink = entry.Attributes.HasFlag(FileAttributes.ReparsePoint);
                // A link that loops is left to the reader, as a file, like one whose target is missing.
                string canonical = isLink ? CanonicalPath.Resolve(inFolder) ?? inFolder : inFolder;
                bool isFolder = isLink ? Directory.Exists(canonical) : entry is DirectoryInfo;
                if (isFolder)
                {
                    if (enteredFolders.Add(canonical))
                        pending.Enqueue((path, canonical));
                }
                else if (entry.Name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) && countedFiles.Add(canonical))
                {
                    files.Add(path);
                }
            }
        }
        return files;
    }

    /// <summary>
    /// Finds the shared RAVDESS copy: <see cref="RootEnvironmentVariable"/> if set, else <c>../shared/data/ravdess</c>
    /// beside the repository found by walking up from <paramref name="start"/> (default: the current folder, then the app folder).
    /// Null when there is none (e.g. a machine without the shared data).
    /// </summary>
    public static string? FindSharedRoot(string? start = null)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(RootEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return Directory.Exists(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        foreach (string origin in new[] { start, Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.OfType<string>())
        {
            for (var folder = new DirectoryInfo(origin); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, "shared", "data", "ravdess");
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }
}
