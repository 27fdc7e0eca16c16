namespace PLDistill.Streaming.Engine;

/// <summary>A stream was refused or ended abnormally; <see cref="Kind"/> says why, <see cref="StreamId"/> which.</summary>
public sealed class StreamingEngineException : Exception
{
    /// <summary>An error of <paramref name="kind"/> about <paramref name="streamId"/>.</summary>
    public StreamingEngineException(StreamingErrorKind kind, string streamId, string message, Exception? inner = null)
        : base($"stream '{streamId}': {message}", inner)
    {
        Kind = kind;
        StreamId = streamId;
    }

    /// <summary>Why.</summary>
    public StreamingErrorKind Kind { get; }

    /// <summary>The stream concerned.</summary>
    public string StreamId { get; }
}
