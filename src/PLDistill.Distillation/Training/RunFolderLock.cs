namespace PLDistill.Distillation.Training;

/// <summary>
/// One training run at a time per run folder: two runs of one config (or two configs of one name) would otherwise
/// interleave their epochs in metrics.jsonl and overwrite each other's checkpoints. The lock is an exclusive open of
/// <c>.lock</c> in the folder (an advisory file lock on Linux), released when the run ends, however it ends, and by the
/// operating system if the process dies; the empty file stays.
/// </summary>
internal sealed class RunFolderLock : IDisposable
{
    private const string FileName = ".lock";
    private readonly FileStream file;

    private RunFolderLock(FileStream file) => this.file = file;

    /// <summary>Takes the lock on <paramref name="folder"/>, which must exist.</summary>
    /// <exception cref="IOException">Another run holds it.</exception>
    public static RunFolderLock Take(string folder)
    {
        string path = Path.Combine(folder, FileName);
        try
        {
            return new RunFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException held) when (held is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"{folder} is in use by another training run (it holds {path}); wait for it to end, " +
                                  "or give this run another --output or --seed", held);
        }
    }

    /// <inheritdoc />
    public void Dispose() => file.Dispose();
}
