using System.Text;

namespace PLDistill.Audio.Sources;

/// <summary>
/// Drains a child process's standard error in the background and keeps its last few thousand characters, so the
/// error a recorder prints before it dies can go into an exception. Draining also keeps a chatty child from blocking
/// on a full pipe.
/// </summary>
/// <remarks><see cref="Text"/> may be read from any thread while draining goes on.</remarks>
internal sealed class ProcessErrorTail
{
    private readonly StringBuilder _text = new();
    private readonly int _maxChars;
    private bool _truncated;

    private ProcessErrorTail(TextReader reader, int maxChars)
    {
        _maxChars = maxChars;
        Drained = Task.Run(() => DrainAsync(reader));
    }

    /// <summary>Completes when the stream ends (every writer has closed it) or fails.</summary>
    public Task Drained { get; }

    /// <summary>Starts draining <paramref name="reader"/>, keeping at most <paramref name="maxChars"/> characters.</summary>
    public static ProcessErrorTail Start(TextReader reader, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChars);
        return new ProcessErrorTail(reader, maxChars);
    }

    /// <summary>What has arrived so far, trimmed; the last characters when there was more than fits.</summary>
    public string Text
    {
        get
        {
            lock (_text)
            {
                int skip = Math.Max(0, _text.Length - _maxChars);
                string text = _text.ToString(skip, _text.Length - skip).Trim();
                return _truncated || skip > 0 ? "..." + text : text;
            }
        }
    }

    private async Task DrainAsync(TextReader reader)
    {
        var buffer = new char[1024];
        try
        {
            int got;
            while ((got = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_text)
                {
                    _text.Append(buffer, 0, got);
                    // Trim in steps, not per read, so a long-running chatty child costs little.
                    if (_text.Length > 2 * _maxChars)
                    {
                        _text.Remove(0, _text.Length - _maxChars);
                        _truncated = true;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe went away with the process: what was captured is all there is.
        }
    }
}
