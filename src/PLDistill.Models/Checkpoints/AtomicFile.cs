namespace PLDistill.Models.Checkpoints;

/// <summary>
/// Writes a file so that a reader (or a run resumed after a crash) sees the old file or the new one, never half of one:
/// the content goes to a temporary file in the same folder, which is then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="writeTemporary"/>, which is given the temporary file's path.
    /// If writing or the rename fails (a full disk, a folder in the way), the temporary file is removed and the error is
    /// rethrown: nothing half-written is left behind, and the target is as it was.
    /// </summary>
    public static void Write(string path, Action<string> writeTemporary)
    {
        ArgumentNullException.ThrowIfNull(writeTemporary);
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
            throw;
        }
    }
}
