namespace PLDistill.Streaming.Inference;

/// <summary>One live stream's state inside a recognizer; disposing it frees the stream's slot.</summary>
public abstract class RecognizerSession : IDisposable
{
    private bool disposed;

    /// <summary>Audio samples (at the model's rate) accepted so far.</summary>
    public long SamplesAccepted { get; internal set; }

    /// <summary>Bytes of model-device memory this stream holds now.</summary>
    public abstract long DeviceBytes { get; }

    /// <summary>Bytes of host memory this stream holds now (buffered audio).</summary>
    public virtual long HostBytes => 0;

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => disposed;

    /// <summary>Releases the stream's device state and slot.</summary>
    protected abstract void Release();

    /// <inheritdoc />
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        Release();
        GC.SuppressFinalize(this);
    }
}
