using Google.Protobuf.WellKnownTypes;
using PLDistill.Api.V1;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Hub;

/// <summary>Domain to API: the events a stream produces, as <see cref="EmotionEvent"/> messages.</summary>
public static class EventMapper
{
    /// <summary>The settings <paramref name="stream"/> runs with.</summary>
    public static StreamSettings Settings(StreamEntry stream, int modelSampleRate)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var setup = stream.Setup;
        var settings = new StreamSettings
        {
            Encoding = setup.Encoding,
            SampleRateHz = setup.Format.SampleRate,
            Channels = setup.Format.Channels,
            ModelSampleRateHz = modelSampleRate,
            Hop = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(setup.Engine.HopMilliseconds)),
            Window = Duration.FromTimeSpan(TimeSpan.FromSeconds(setup.Engine.WindowSeconds)),
            LabelSet = setup.LabelSet,
        };
        settings.Labels.AddRange(setup.Engine.Labels.Words);
        return settings;
    }

    /// <summary>The first event of <paramref name="stream"/>.</summary>
    public static EmotionEvent Started(StreamEntry stream, int modelSampleRate) => new()
    {
        Stream = stream.Name,
        StreamId = stream.Id,
        Started = new StreamStarted { Settings = Settings(stream, modelSampleRate), StartTime = Timestamp.FromDateTimeOffset(stream.StartTime) },
    };

    /// <summary>One estimate of <paramref name="stream"/>.</summary>
    public static EmotionEvent Estimate(StreamEntry stream, EmotionEstimate estimate, DateTimeOffset published)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(estimate);
        var message = new Estimate
        {
            Sequence = estimate.Sequence,
            AudioStart = Duration.FromTimeSpan(estimate.AudioStart),
            AudioEnd = Duration.FromTimeSpan(estimate.AudioEnd),
            Label = estimate.Label,
            Confidence = estimate.Confidence,
            ModelLatency = Duration.FromTimeSpan(estimate.ModelLatency),
            ServerLatency = Duration.FromTimeSpan(estimate.EndToEndLatency),
            CoalescedHops = estimate.CoalescedHops,
            DroppedHops = estimate.DroppedHops,
            PublishTime = Timestamp.FromDateTimeOffset(published),
        };
        message.Probabilities.AddRange(estimate.Probabilities);
        message.SmoothedProbabilities.AddRange(estimate.SmoothedProbabilities);
        return new EmotionEvent { Stream = stream.Name, StreamId = stream.Id, Estimate = message };
    }

    /// <summary>The last event of <paramref name="stream"/>.</summary>
    public static EmotionEvent Summary(StreamEntry stream, StreamSummary summary) => new()
    {
        Stream = stream.Name,
        StreamId = stream.Id,
        Summary = summary,
    };
}
