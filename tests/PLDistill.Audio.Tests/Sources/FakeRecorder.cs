using System.Runtime.Versioning;

namespace PLDistill.Audio.Tests.Sources;

/// <summary>
/// Shell scripts that stand in for arecord: each takes arecord's arguments and does what a test needs
/// (writes known bytes, fails like a missing device, records forever). Unix only.
/// </summary>
/// <remarks>
/// Tests that start child processes share the <see cref="ChildProcessCollection"/>, so no other test forks while a
/// script is still open for writing (the fork would inherit the write handle and the script would be "text file busy").
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class FakeRecorder : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("fake-arecord-").FullName;

    /// <summary>Where scripts may leave files for the test to read (their arguments, their pids).</summary>
    public string Directory => _directory;

    /// <summary>Writes an executable <c>/bin/sh</c> script with <paramref name="body"/> and returns its path.</summary>
    public string Script(string body, string name = "fake-arecord")
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>A script that writes its arguments, one per line, to <c>args.txt</c> and then runs <paramref name="body"/>.</summary>
    public string ScriptRecordingArguments(string body) =>
        Script($"for a in \"$@\"; do echo \"$a\"; done > '{ArgumentsFile}'\n{body}");

    /// <summary>The file <see cref="ScriptRecordingArguments"/> writes.</summary>
    public string ArgumentsFile => Path.Combine(_directory, "args.txt");

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The state letter of process <paramref name="pid"/> from /proc ('S' sleeping, 'Z' zombie, ...), or null when
    /// there is no such process at all. Linux only.
    /// </summary>
    public static char? ProcessState(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": comm may hold spaces or parentheses, so look after the last ')'.
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>What file descriptor <paramref name="fd"/> of process <paramref name="pid"/> refers to, e.g.
    /// "pipe:[1234]" (the pipe's inode: both of its ends show the same). Linux only.</summary>
    public static string FileDescriptorTarget(int pid, int fd) =>
        new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? throw new IOException($"/proc/{pid}/fd/{fd} is not a link");

    /// <summary>What every open file descriptor of this process refers to.</summary>
    public static HashSet<string> OwnFileDescriptorTargets()
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in System.IO.Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                    targets.Add(target);
            }
            catch (IOException)
            {
                // Closed while we looked (the directory listing's own descriptor, or another thread's).
            }
        }
        return targets;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return true;
    }
}
