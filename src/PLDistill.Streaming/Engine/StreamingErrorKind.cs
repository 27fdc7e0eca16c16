namespace PLDistill.Streaming.Engine;

/// <summary>Why the engine refused or ended a stream; the gRPC service maps each to a status code.</summary>
public enum StreamingErrorKind
{
    /// <summary>Every stream slot is taken (gRPC RESOURCE_EXHAUSTED).</summary>
    CapacityExhausted,
    /// <summary>A stream with this id is already open (ALREADY_EXISTS).</summary>
    DuplicateStreamId,
    /// <summary>The stream's audio could not be read or decoded (INVALID_ARGUMENT).</summary>
    InvalidAudio,
    /// <summary>The model failed on this stream's batch (INTERNAL).</summary>
    InferenceFailed,
    /// <summary>The engine shut down before the stream ended (UNAVAILABLE).</summary>
    EngineStopped,
}
