namespace PLDistill.Audio.Data;

/// <summary>
/// A paired-corpus manifest that cannot be used. The message names the file, the 1-based line and the problem,
/// e.g. <c>/data/corpus/manifest.jsonl:12: missing field 'text'</c>; problems of the whole file have line 0 and no
/// line in the message.
/// </summary>
public sealed class PairedCorpusException : Exception
{
    /// <summary>Creates an exception for line <paramref name="lineNumber"/> of <paramref name="manifestPath"/>.</summary>
    public PairedCorpusException(string manifestPath, int lineNumber, PairedCorpusProblem problem, string detail, Exception? inner = null)
        : base(lineNumber > 0 ? $"{manifestPath}:{lineNumber}: {detail}" : $"{manifestPath}: {detail}", inner)
    {
        ManifestPath = manifestPath;
        LineNumber = lineNumber;
        Problem = problem;
        Detail = detail;
    }

    /// <summary>The manifest the problem was found in.</summary>
    public string ManifestPath { get; }

    /// <summary>1-based line of the manifest; 0 when the problem is the whole file.</summary>
    public int LineNumber { get; }

    /// <summary>The kind of problem.</summary>
    public PairedCorpusProblem Problem { get; }

    /// <summary>The description without the file and line.</summary>
    public string Detail { get; }
}
