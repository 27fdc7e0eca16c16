using PLDistill.Api.V1;
using PLDistill.Server.Calls;

namespace PLDistill.Server.Hub;

/// <summary>
/// One open Recognize stream as the hub knows it: who owns it, its settings, its started event and the estimates of
/// its last <see cref="Configuration.LimitSettings.MaxReplaySeconds"/> of audio (for replay). Fields the hub changes
/// are guarded by the hub's lock; the counters are written by the stream's own call.
/// </summary>
public sealed class StreamEntry
{
    private readonly Queue<(TimeSpan AudioEnd, EmotionEvent Event)> recent = new();
    private long audioFrames, estimates;

    internal StreamEntry(StreamSetup setup, DateTimeOffset startTime)
    {
        Setup = setup;
        StartTime = startTime;
        Name = setup.Name;
    }

    /// <summary>The validated config.</summary>
    public StreamSetup Setup { get; }

    /// <summary>"tenants/TENANT/streams/ID".</summary>
    public string Name { get; }

    /// <summary>The tenant's name.</summary>
    public string Tenant => Setup.Tenant.Name;

    /// <summary>The id within the tenant.</summary>
    public string Id => Setup.StreamId;

    /// <summary>When the config was accepted.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>Audio received so far.</summary>
    public TimeSpan AudioReceived => TimeSpan.FromSeconds((double)Interlocked.Read(ref audioFrames) / Setup.Format.SampleRate);

    /// <summary>Estimates published so far.</summary>
    public long Estimates => Interlocked.Read(ref estimates);

    /// <summary>Set once the stream's audio has ended: what it received is being estimated, for its subscribers.</summary>
    internal volatile bool Finishing;

    // Hub state, under the hub's lock.
    internal EmotionEvent? Started { get; set; }
    internal EventSink? Own { get; set; }
    internal bool Ended { get; set; }
    internal IEnumerable<EmotionEvent> RecentSince(TimeSpan audioEnd) => recent.Where(r => r.AudioEnd >= audioEnd).Select(r => r.Event);
    internal TimeSpan LatestAudioEnd { get; private set; }

    internal void Remember(EmotionEvent estimate, TimeSpan audioEnd, TimeSpan keep)
    {
        recent.Enqueue((audioEnd, estimate));
        LatestAudioEnd = audioEnd;
        while (recent.Count > 0 && recent.Peek().AudioEnd < audioEnd - keep)
            recent.Dequeue();
        Interlocked.Increment(ref estimates);
    }

    /// <summary>Counts <paramref name="frames"/> more frames received (at the stream's own rate); returns the total.</summary>
    internal long AddAudio(long frames) => Interlocked.Add(ref audioFrames, frames);
}
