namespace PLDistill.Models.Runtime;

/// <summary>libtorch could not be loaded or the requested device is not available. The message says what to do.</summary>
public sealed class TorchRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchRuntimeException(string message, Exception? inner = null) : base(message, inner) { }
}
