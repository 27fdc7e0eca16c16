using PLDistill.Client;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>A Recognize call whose events are read in the background while the test sends (see <see cref="ServerHarness.OpenAsync"/>).</summary>
internal sealed class LiveCall(RecognitionSession session, Task<RecognizeResult> result) : IDisposable
{
    public RecognitionSession Session { get; } = session;

    /// <summary>Every event and the final status, once the call has ended.</summary>
    public Task<RecognizeResult> Result { get; } = result;

    public void Dispose() => Session.Dispose();
}
