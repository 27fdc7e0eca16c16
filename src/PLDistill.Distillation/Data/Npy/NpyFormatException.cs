namespace PLDistill.Distillation.Data.Npy;

/// <summary>A .npy file this reader cannot use: not .npy, an unsupported layout or type, or too short. The message names the file.</summary>
public sealed class NpyFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public NpyFormatException(string path, string problem) : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
