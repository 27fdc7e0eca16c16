using System.Diagnostics;

namespace PLDistill.Cli.Commands;

/// <summary>
/// When each chunk of a stream's audio was sent, so that an estimate's true end-to-end latency (the chunk holding its
/// last sample leaving this process to the estimate arriving) can be measured on the client's own clock.
/// </summary>
internal sealed class SendClock
{
    private readonly Lock gate = new();
    private readonly Queue<(double AudioEndSeconds, long Timestamp)> sent = new();

    /// <summary>Notes that the audio up to <paramref name="audioEndSeconds"/> is being sent now: called before the
    /// write, so an estimate can never arrive before its chunk is noted, and the write's own time is counted.</summary>
    public void Sending(double audioEndSeconds)
    {
        lock (gate)
            sent.Enqueue((audioEndSeconds, Stopwatch.GetTimestamp()));
    }

    /// <summary>Milliseconds since the audio up to <paramref name="audioEnd"/> was sent, or null if it is unknown.</summary>
    public double? LatencyMilliseconds(TimeSpan audioEnd)
    {
        double end = audioEnd.TotalSeconds - 1e-6;
        lock (gate)
        {
            // Chunks before this one are of no further use: estimates arrive in order.
            while (sent.Count > 1 && sent.Peek().AudioEndSeconds < end)
                sent.Dequeue();
            return sent.Count > 0 && sent.Peek().AudioEndSeconds >= end ? Stopwatch.GetElapsedTime(sent.Peek().Timestamp).TotalMilliseconds : null;
        }
    }
}
