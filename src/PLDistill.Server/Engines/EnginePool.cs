using Microsoft.Extensions.Logging;
using PLDistill.Models.Checkpoints;
using PLDistill.Server.Configuration;
using PLDistill.Server.Errors;
using PLDistill.Server.Observability;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Engines;

/// <summary>
/// One <see cref="EmotionEngine"/> per (hop, window, label set) in use, made on first use. At most
/// <see cref="StreamingSettings.MaxConfigurations"/> exist; when a new one is needed and the pool is full, an engine with
/// no streams is retired, and if every engine has streams the request is refused with RESOURCE_EXHAUSTED.
/// Engines are built outside the pool's lock: a slow build (a new cache on a busy device) holds up only the streams
/// that wait for that configuration, never the opening or closing of streams on the others.
/// </summary>
public sealed partial class EnginePool : IAsyncDisposable
{
    private readonly IRecognizerFactory factory;
    private readonly ServerOptions options;
    private readonly EngineOptions engineOptions;
    private readonly ServerMetrics metrics;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<EngineKey, Entry> engines = [];
    private readonly List<Task> retiring = [];
    private bool disposed;

    /// <summary>A pool over <paramref name="factory"/>'s model.</summary>
    public EnginePool(IRecognizerFactory factory, ServerOptions options, ServerMetrics metrics, ILogger<EnginePool> logger)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        this.factory = factory;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        engineOptions = options.Engine.ToEngineOptions(options.Limits.ShutdownDrain);
        DefaultKey = new EngineKey(
            options.Streaming.DefaultHopMilliseconds ?? factory.Defaults.HopMilliseconds,
            options.Streaming.DefaultWindowSeconds ?? factory.Defaults.WindowSeconds,
            factory.Labels);
    }

    /// <summary>The configuration of a stream that asks for nothing.</summary>
    public EngineKey DefaultKey { get; }

    /// <summary>Configurations with an engine now.</summary>
    public IReadOnlyList<EngineKey> Keys
    {
        get
        {
            lock (gate)
                return engines.Keys.ToArray();
        }
    }

    /// <summary>A lease on the engine for <paramref name="key"/>, made now if needed.</summary>
    /// <exception cref="Grpc.Core.RpcException">RESOURCE_EXHAUSTED when every engine slot is in use; UNAVAILABLE when stopping.</exception>
    public EngineLease Acquire(EngineKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Entry entry;
        lock (gate)
        {
            if (disposed)
                throw ServiceErrors.Unavailable("the server is shutting down");
            if (!engines.TryGetValue(key, out entry!))
            {
                if (engines.Count >= options.Streaming.MaxConfigurations)
                    RetireIdleOrRefuse(key);
                entry = new Entry(() => Build(key));
                engines[key] = entry;
                metrics.EngineConfigurations.Set(engines.Count);
            }
            entry.Leases++;   // held from here, so a slot being built is never retired
        }

        EmotionEngine engine;
        try
        {
            // Built by the first caller, outside the lock; callers for the same configuration wait for that one build.
            engine = entry.Engine.Value;
        }
        catch
        {
            lock (gate)
            {
                entry.Leases--;
                if (engines.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
                {
                    engines.Remove(key);   // the next caller tries again
                    metrics.EngineConfigurations.Set(engines.Count);
                }
            }
            throw;
        }

        lock (gate)
        {
            if (disposed)
            {
                entry.Leases--;   // DisposeAsync stops the engine: it was in the table when the pool closed
                throw ServiceErrors.Unavailable("the server is shutting down");
            }
        }
        return new EngineLease(engine, key, () => Release(entry));
    }

    // Runs once per slot, outside the lock (see Acquire).
    private EmotionEngine Build(EngineKey key)
    {
        var engine = Create(key);
        int count;
        lock (gate)
            count = engines.Count;
        LogEngineCreated(logger, key, count);
        return engine;
    }

    private EmotionEngine Create(EngineKey key)
    {
        var streaming = new StreamingParameters
        {
            HopMilliseconds = key.HopMilliseconds,
            WindowSeconds = key.WindowSeconds,
            LeftContextFrames = factory.Defaults.LeftContextFrames,
        };
        return new EmotionEngine(factory.Create(streaming, key.Labels, options.Limits.MaxStreams), engineOptions);
    }

    private void RetireIdleOrRefuse(EngineKey wanted)
    {
        // The default configuration goes last: most streams use it.
        var idle = engines.Where(e => e.Value.Leases == 0).OrderBy(e => e.Key == DefaultKey).Select(e => e.Key).FirstOrDefault();
        if (idle is null)
            throw ServiceErrors.ResourceExhausted(
                $"the server runs at most {options.Streaming.MaxConfigurations} hop/window/label-set configurations at once and all have " +
                $"open streams ({string.Join("; ", engines.Keys)}); ask for one of those, or leave hop and window unset for the default, " +
                $"or try again later (wanted {wanted})");
        var engine = engines[idle].Engine.Value;   // no leases: built (a slot being built holds its first caller's lease)
        engines.Remove(idle);
        LogEngineRetired(logger, idle);
        retiring.RemoveAll(task => task.IsCompletedSuccessfully);   // the rest are awaited at shutdown
        retiring.Add(engine.DisposeAsync().AsTask());
    }

    private void Release(Entry entry)
    {
        lock (gate)
            entry.Leases--;
    }

    /// <summary>
    /// Makes the default engine now and runs one second of quiet noise through it, so the first caller pays neither for
    /// building it nor for libtorch's first-call allocations.
    /// </summary>
    public async Task WarmAsync(CancellationToken cancellationToken = default)
    {
        using var lease = Acquire(DefaultKey);
        // Tenant streams are named "tenant/id", so this name can never collide with one.
        var stream = lease.Engine.OpenStream("warm-up");
        var random = new Random(0);
        var noise = new float[factory.SampleRate];
        for (int i = 0; i < noise.Length; i++)
            noise[i] = (float)(0.01 * (random.NextDouble() - 0.5));
        try
        {
            await stream.WriteAsync(noise, cancellationToken).ConfigureAwait(false);
            await stream.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await stream.Completion.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is StreamingEngineException or TimeoutException)
        {
            // A model that cannot estimate a second of quiet noise will fail every caller: refuse to start.
            throw new InvalidOperationException($"the model failed its warm-up on one second of quiet noise ({DefaultKey}): {failure.Message}", failure);
        }
    }

    /// <summary>Stops every engine (streams still open are drained within the shutdown drain time).</summary>
    public async ValueTask DisposeAsync()
    {
        Entry[] all;
        Task[] pending;
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            all = engines.Values.ToArray();
            engines.Clear();
            pending = retiring.ToArray();
        }
        foreach (var entry in all)
        {
            EmotionEngine engine;
            try
            {
                // An engine still being built is waited for (off this thread), so that it is stopped too.
                engine = entry.Engine.IsValueCreated ? entry.Engine.Value : await Task.Run(() => entry.Engine.Value).ConfigureAwait(false);
            }
            catch (Exception failed) when (failed is not OutOfMemoryException)
            {
                continue;   // its build failed: nothing to stop, and its caller was told
            }
            await engine.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
        metrics.EngineConfigurations.Set(0);
    }

    private sealed class Entry(Func<EmotionEngine> build)
    {
        public Lazy<EmotionEngine> Engine { get; } = new(build, LazyThreadSafetyMode.ExecutionAndPublication);
        public int Leases { get; set; }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "engine started for {Configuration} ({Count} configurations in use)")]
    private static partial void LogEngineCreated(ILogger logger, EngineKey configuration, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "engine retired for {Configuration} (no streams; its slot is needed)")]
    private static partial void LogEngineRetired(ILogger logger, EngineKey configuration);
}
