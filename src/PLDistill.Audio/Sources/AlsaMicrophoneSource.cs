using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// A microphone on Linux, recorded by ALSA's <c>arecord</c> running as a child process
/// (<c>arecord -q -t raw -f S16_LE -r RATE -c CH [-D DEVICE]</c>) whose stdout is read as raw PCM.
/// </summary>
/// <remarks>
/// <para>Audio arrives in real time; reads wait for it, and cancelling the token abandons a waiting read.</para>
/// <para>If the recorder stops with an error (no capture device, device busy, unplugged), the read that reaches the end
/// of its output throws an <see cref="AudioSourceException"/> carrying what it printed on stderr; a recorder that exits
/// with code 0 ends the audio normally.</para>
/// <para><see cref="DisposeAsync"/> kills the recorder and anything it started, and waits for it to exit. Disposing
/// while a read is waiting is allowed: that read then returns 0.</para>
/// </remarks>
public sealed class AlsaMicrophoneSource : IAudioSource
{
    // arecord's errors are a line or two; a few KB also holds the end of a chatty failure.
    private const int ErrorTailChars = 4096;

    // Bounds on waiting for a child that will not go: one stuck in a driver cannot be killed, and stderr may be held
    // open by something it started. Past them we give up waiting, never the cleanup.
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ErrorOutputWait = TimeSpan.FromSeconds(1);

    // Ctrl+C in a terminal signals the whole foreground process group, the recorder included: it may die of the signal
    // (arecord then exits with 1) a moment before our own handler cancels the read. A failure is reported only if no
    // cancellation arrives within this time; a real failure is no worse for being told half a second later.
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromMilliseconds(500);

    private readonly Process _process;
    private readonly RawPcmStreamSource _pcm;
    private readonly ProcessErrorTail _errors;
    // Held by a read in progress, so disposing never frees the read buffer under it.
    private readonly SemaphoreSlim _readGate = new(1, 1);
    private int _disposed;

    private AlsaMicrophoneSource(AlsaMicrophoneOptions options, string name, Process process)
    {
        Options = options;
        _process = process;
        ProcessId = process.Id;
        _errors = ProcessErrorTail.Start(process.StandardError, ErrorTailChars);
        _pcm = new RawPcmStreamSource(process.StandardOutput.BaseStream, options.Format, name);
    }

    /// <summary>Starts recording with <paramref name="options"/> (null: ALSA's default device, 16 kHz mono).</summary>
    /// <exception cref="AudioSourceException">The recorder could not be started, e.g. arecord is not installed.</exception>
    public static AlsaMicrophoneSource Open(AlsaMicrophoneOptions? options = null)
    {
        options ??= new AlsaMicrophoneOptions();
        string name = NameFor(options.Device);
        var startInfo = new ProcessStartInfo(options.Executable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Given a closed stdin rather than ours, so the recorder never competes for the terminal.
            RedirectStandardInput = true,
        };
        foreach (string argument in Arguments(options))
            startInfo.ArgumentList.Add(argument);

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw StartFailure(name, options.Executable, e);
        }

        try
        {
            process.StandardInput.Close();
            return new AlsaMicrophoneSource(options, name, process);
        }
        catch
        {
            KillAndForget(process);
            throw;
        }
    }

    /// <summary>The options recording started with.</summary>
    public AlsaMicrophoneOptions Options { get; }

    /// <summary>"mic:default" for ALSA's default device, otherwise "mic:" and the device.</summary>
    public string Name => _pcm.Name;

    /// <inheritdoc />
    public PcmFormat Format => _pcm.Format;

    /// <summary>The recorder's process id, for tests and diagnostics.</summary>
    internal int ProcessId { get; }

    /// <summary>The recorder's arguments for <paramref name="options"/>: raw S16_LE at the requested rate and channels, quietly.</summary>
    internal static IReadOnlyList<string> Arguments(AlsaMicrophoneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = new List<string>
        {
            "-q",
            "-t", "raw",
            "-f", "S16_LE",
            "-r", options.SampleRate.ToString(CultureInfo.InvariantCulture),
            "-c", options.Channels.ToString(CultureInfo.InvariantCulture),
        };
        if (options.Device is not null)
        {
            arguments.Add("-D");
            arguments.Add(options.Device);
        }
        return arguments;
    }

    /// <inheritdoc />
    /// <exception cref="AudioSourceException">The recorder stopped with an error.</exception>
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
                return 0;
            int frames = await _pcm.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
            if (frames == 0)
                await ThrowIfRecorderFailedAsync(cancellationToken).ConfigureAwait(false);
            return frames;
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>Kills the recorder and its children, waits for it to exit, and releases the pipes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        KillTree(_process);
        using (var timeout = new CancellationTokenSource(ExitWait))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Still not gone after SIGKILL: nothing more can be done from here.
            }
        }

        // A waiting read ends now that stdout is closed; only then may its buffer go back to the pool. The gate is
        // released afterwards so a read queued behind it sees the disposal and returns 0 instead of waiting forever.
        if (await _readGate.WaitAsync(ExitWait).ConfigureAwait(false))
        {
            await _pcm.DisposeAsync().ConfigureAwait(false);
            _readGate.Release();
        }
        await WaitForErrorOutputAsync(CancellationToken.None).ConfigureAwait(false);
        // Process.Dispose closes stderr only if nobody read it synchronously, and the tail did: without this the pipe
        // stays open until a finalizer runs. A drain still reading (something the recorder started holds the pipe)
        // ends with an ObjectDisposedException, which it expects.
        _process.StandardError.Dispose();
        _process.Dispose();
    }

    private async Task ThrowIfRecorderFailedAsync(CancellationToken cancellationToken)
    {
        // End of output: the recorder has exited or is about to.
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        int exitCode = _process.ExitCode;
        // Our own kill, or a cancellation racing a signal that also reached the recorder, is not a recorder failure.
        if (exitCode == 0 || Volatile.Read(ref _disposed) != 0)
            return;
        await Task.Delay(InterruptGrace, cancellationToken).ConfigureAwait(false);   // throws if Ctrl+C was the cause
        if (Volatile.Read(ref _disposed) != 0)
            return;
        await WaitForErrorOutputAsync(cancellationToken).ConfigureAwait(false);
        string errorOutput = _errors.Text;
        throw new AudioSourceException(Name, DescribeExit(Options.Executable, exitCode, errorOutput))
        {
            ErrorOutput = errorOutput,
            ExitCode = exitCode,
        };
    }

    private async Task WaitForErrorOutputAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _errors.Drained.WaitAsync(ErrorOutputWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Something the recorder started still holds stderr; what arrived so far will do.
        }
    }

    private static string DescribeExit(string executable, int exitCode, string errorOutput)
    {
        if (errorOutput.Length == 0)
            return $"{executable} exited with code {exitCode} without an error message";
        string hint = errorOutput.Contains("audio open error", StringComparison.Ordinal)
            ? " (is a capture device connected? `arecord -l` lists them; choose one with mic:DEVICE)"
            : "";
        return $"{executable} exited with code {exitCode}: {errorOutput}{hint}";
    }

    private static AudioSourceException StartFailure(string name, string executable, Win32Exception e)
    {
        const int NotFound = 2; // ENOENT, and ERROR_FILE_NOT_FOUND on Windows
        if (e.NativeErrorCode != NotFound)
            return new AudioSourceException(name, $"cannot start {executable}: {e.Message}", e);
        string detail = executable == AlsaMicrophoneOptions.DefaultExecutable
            ? "arecord (alsa-utils) is not installed; install it (apt install alsa-utils) or pipe audio into `pld run -`"
            : $"{executable} was not found (it stands in for arecord from alsa-utils); "
              + "install alsa-utils (apt install alsa-utils) or pipe audio into `pld run -`";
        return new AudioSourceException(name, detail, e);
    }

    private static string NameFor(string? device) => "mic:" + (device ?? "default");

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
    }

    private static void KillAndForget(Process process)
    {
        KillTree(process);
        process.WaitForExit(ExitWait);
        process.Dispose();
    }
}
