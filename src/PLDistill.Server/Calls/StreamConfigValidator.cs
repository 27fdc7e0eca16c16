using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using PLDistill.Api.V1;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Errors;
using PLDistill.Server.Security;

namespace PLDistill.Server.Calls;

/// <summary>Turns a <see cref="StreamConfig"/> into a <see cref="StreamSetup"/>, or refuses it naming the field, the value and what is allowed.</summary>
public sealed class StreamConfigValidator
{
    private readonly StreamingSettings streaming;
    private readonly IRecognizerFactory model;
    private readonly EngineKey defaults;
    private readonly double minWindowSeconds, maxWindowSeconds;

    /// <summary>A validator for the server's limits and model.</summary>
    public StreamConfigValidator(ServerOptions options, IRecognizerFactory model, EnginePool pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        streaming = options.Streaming;
        this.model = model;
        defaults = pool.DefaultKey;
        // The server's limits and the model's, together.
        minWindowSeconds = Math.Max(streaming.MinWindowSeconds, model.MinWindowSeconds);
        maxWindowSeconds = Math.Min(streaming.MaxWindowSeconds, model.MaxWindowSeconds);
    }

    /// <summary>The setup <paramref name="config"/> asks for, for <paramref name="tenant"/>.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT or PERMISSION_DENIED, naming the field.</exception>
    public StreamSetup Validate(StreamConfig config, Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(config);
        string id = StreamNames.Resolve(config.StreamId, tenant, "config.stream_id");
        var encoding = config.Encoding switch
        {
            AudioEncoding.Linear16 => SampleEncoding.Int16,
            AudioEncoding.Float32 => SampleEncoding.Float32,
            AudioEncoding.Unspecified => throw ServiceErrors.InvalidArgument(
                "config.encoding is not set: use AUDIO_ENCODING_LINEAR16 (16-bit little-endian integers) or AUDIO_ENCODING_FLOAT32"),
            var other => throw ServiceErrors.InvalidArgument($"config.encoding {(int)other} is not an encoding this server knows: use AUDIO_ENCODING_LINEAR16 or AUDIO_ENCODING_FLOAT32"),
        };
        if (config.SampleRateHz is < PcmFormat.MinSampleRate or > PcmFormat.MaxSampleRate)
            throw ServiceErrors.InvalidArgument(
                $"config.sample_rate_hz {config.SampleRateHz}: must be {PcmFormat.MinSampleRate}..{PcmFormat.MaxSampleRate} Hz (the server resamples to {model.SampleRate} Hz)");
        if (config.Channels is < 1 or > PcmFormat.MaxChannels)
            throw ServiceErrors.InvalidArgument($"config.channels {config.Channels}: must be 1..{PcmFormat.MaxChannels} (the server downmixes to mono)");

        double hop = config.Hop is null ? defaults.HopMilliseconds : Milliseconds(config.Hop, "config.hop");
        if (!(hop >= streaming.MinHopMilliseconds && hop <= streaming.MaxHopMilliseconds))
            throw ServiceErrors.InvalidArgument(
                $"config.hop {Format(hop)} ms: this server accepts {Format(streaming.MinHopMilliseconds)}..{Format(streaming.MaxHopMilliseconds)} ms " +
                $"(unset = {Format(defaults.HopMilliseconds)} ms)");
        double window = config.Window is null ? defaults.WindowSeconds : Milliseconds(config.Window, "config.window") / 1000;
        if (!(window >= minWindowSeconds - 1e-6 && window <= maxWindowSeconds + 1e-6))
            throw ServiceErrors.InvalidArgument(minWindowSeconds >= maxWindowSeconds
                ? $"config.window {Format(window)} s: this model reads a fixed {Format(maxWindowSeconds)} s window (set when it was trained); leave it unset"
                : $"config.window {Format(window)} s: this server and model accept {Format(minWindowSeconds)}..{Format(maxWindowSeconds)} s " +
                  $"(unset = {Format(defaults.WindowSeconds)} s)");
        // The engine cuts hops and windows in whole samples: settings that cut the same share one engine (and slot).
        hop = WholeSamples(hop / 1000) * 1000;
        window = WholeSamples(window);
        var labels = config.LabelSet switch
        {
            LabelSet.Unspecified => model.Labels,
            LabelSet.Ravdess8 => EmotionLabelSet.Eight,
            LabelSet.Ravdess4 => EmotionLabelSet.Four,
            var other => throw ServiceErrors.InvalidArgument($"config.label_set {(int)other} is unknown: use LABEL_SET_RAVDESS8, LABEL_SET_RAVDESS4 or leave it unset"),
        };
        var labelSet = labels == EmotionLabelSet.Four ? LabelSet.Ravdess4 : LabelSet.Ravdess8;
        return new StreamSetup(tenant, id, new PcmFormat(config.SampleRateHz, config.Channels, encoding), config.Encoding,
            new EngineKey(hop, window, labels), labelSet);
    }

    private double WholeSamples(double seconds) => Math.Round(seconds * model.SampleRate) / model.SampleRate;

    private static double Milliseconds(Duration duration, string field)
    {
        if (duration.Seconds < 0 || duration.Nanos < 0 || duration.Nanos >= Duration.NanosecondsPerSecond || duration.Seconds > 3600)
            throw ServiceErrors.InvalidArgument($"{field} ({duration.Seconds} s, {duration.Nanos} ns) is not a valid positive duration");
        // Whole microseconds: a hop of 0.25 s must equal one of 250 ms, whatever the client's float arithmetic did.
        return Math.Round(duration.Seconds * 1000.0 + duration.Nanos / 1e6, 3);
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
