namespace PLDistill.Models.Text;

/// <summary>
/// A saved tokenizer or text-encoder folder that cannot be used: missing, not JSON, the wrong format or version, or weights
/// that do not fit the configuration. The message names the file and the problem.
/// </summary>
public sealed class TextModelFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public TextModelFileException(string path, string problem, Exception? inner = null) : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file or folder.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
