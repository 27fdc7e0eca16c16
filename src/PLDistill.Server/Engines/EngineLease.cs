using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Engines;

/// <summary>A stream's hold on an engine of the pool; the engine is not retired while a lease is out.</summary>
public sealed class EngineLease : IDisposable
{
    private Action? release;

    internal EngineLease(EmotionEngine engine, EngineKey key, Action release)
    {
        Engine = engine;
        Key = key;
        this.release = release;
    }

    /// <summary>The engine.</summary>
    public EmotionEngine Engine { get; }

    /// <summary>Its hop, window and label set.</summary>
    public EngineKey Key { get; }

    /// <summary>Gives the lease back (once).</summary>
    public void Dispose() => Interlocked.Exchange(ref release, null)?.Invoke();
}
