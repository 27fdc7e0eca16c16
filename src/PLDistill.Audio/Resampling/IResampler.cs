namespace PLDistill.Audio.Resampling;

/// <summary>
/// A streaming mono sample-rate converter: feed it input in chunks of any size, then <see cref="Flush"/> once.
/// </summary>
/// <remarks>
/// The contract every implementation keeps (and the shared contract tests check):
/// <list type="bullet">
/// <item>The output does not depend on how the input was chunked.</item>
/// <item>A whole stream of n samples yields exactly <see cref="ResamplerOptions.OutputLengthFor"/>(n) samples.</item>
/// <item><see cref="MaxOutputFor"/> bounds what one call writes, for any chunk sizes that came before.</item>
/// </list>
/// Not thread-safe: one stream, one caller.
/// </remarks>
public interface IResampler
{
    /// <summary>The rates and filter quality this resampler was built for.</summary>
    ResamplerOptions Options { get; }

    /// <summary>
    /// An upper bound on the samples one <see cref="Process"/> call with <paramref name="inputLength"/> samples writes;
    /// <c>MaxOutputFor(0)</c> bounds <see cref="Flush"/>.
    /// </summary>
    int MaxOutputFor(int inputLength);

    /// <summary>
    /// Consumes all of <paramref name="input"/> and writes every output sample it can already compute.
    /// Returns how many were written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is too short for what this call produces.</exception>
    /// <exception cref="InvalidOperationException">The stream was flushed and not <see cref="Reset"/>.</exception>
    int Process(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Ends the stream: writes the remaining output samples, treating the signal after the last input as silence.
    /// A second call writes nothing.
    /// </summary>
    int Flush(Span<float> output);

    /// <summary>Forgets the stream so far; the next <see cref="Process"/> starts a new one.</summary>
    void Reset();
}
