namespace PLDistill.Models.Checkpoints;

/// <summary>A checkpoint file that cannot be used: not a checkpoint, truncated, corrupted, another format version, or not matching the model.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception; the message names the file.</summary>
    public CheckpointException(string path, string detail, Exception? inner = null) : base($"{path}: {detail}", inner)
    {
        Path = path;
        Detail = detail;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>What is wrong.</summary>
    public string Detail { get; }
}
