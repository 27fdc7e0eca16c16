using PLDistill.Audio.Formats;
using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Processing;

/// <summary>
/// Brings one audio stream in any <see cref="PcmFormat"/> to what the models eat: interleaved frames in,
/// downmixed to mono, resampled to the target rate (16 kHz by default), mono float chunks out. A frame holding a NaN or
/// infinite sample (a float WAV can) is silence: the resampler would spread it over a hundred output samples, and the
/// features over whole windows.
/// </summary>
/// <remarks>
/// Streaming like the resampler underneath: any chunking of the input (in whole frames) gives the same output,
/// <see cref="Flush"/> ends the stream, and nothing is allocated per call. Not thread-safe.
/// </remarks>
public sealed class MonoConditioner
{
    /// <summary>The rate the models are trained at, Hz.</summary>
    public const int DefaultTargetSampleRate = 16_000;

    // Input is downmixed (multi-channel) or copied (mono with a non-finite sample) a block at a time into this scratch,
    // cleaned of non-finite samples, then resampled.
    private const int BlockFrames = 4096;

    private readonly IResampler _resampler;
    private readonly float[] _mono;

    /// <summary>Conditions <paramref name="inputFormat"/> to mono at <paramref name="targetSampleRate"/> with the default filter.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetSampleRate"/> is outside the supported rates.</exception>
    public MonoConditioner(PcmFormat inputFormat, int targetSampleRate = DefaultTargetSampleRate)
        : this(inputFormat, new StreamingResampler(new ResamplerOptions(
            (inputFormat ?? throw new ArgumentNullException(nameof(inputFormat))).SampleRate, targetSampleRate)))
    {
    }

    /// <summary>Conditions <paramref name="inputFormat"/> to mono through <paramref name="resampler"/>, which must be fresh.</summary>
    /// <exception cref="ArgumentException">The resampler's input rate is not the format's sample rate.</exception>
    public MonoConditioner(PcmFormat inputFormat, IResampler resampler)
    {
        ArgumentNullException.ThrowIfNull(inputFormat);
        ArgumentNullException.ThrowIfNull(resampler);
        if (resampler.Options.InputRate != inputFormat.SampleRate)
            throw new ArgumentException(
                $"resampler expects {resampler.Options.InputRate} Hz but the input is {inputFormat.SampleRate} Hz",
                nameof(resampler));
        InputFormat = inputFormat;
        _resampler = resampler;
        _mono = new float[BlockFrames];
    }

    /// <summary>The format of the interleaved input.</summary>
    public PcmFormat InputFormat { get; }

    /// <summary>The rate of the mono output, Hz.</summary>
    public int OutputSampleRate => _resampler.Options.OutputRate;

    /// <summary>
    /// An upper bound on what one <see cref="Process"/> call with <paramref name="interleavedLength"/> samples
    /// (all channels) writes; <c>MaxOutputFor(0)</c> bounds <see cref="Flush"/>.
    /// </summary>
    public int MaxOutputFor(int interleavedLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(interleavedLength);
        return _resampler.MaxOutputFor(interleavedLength / InputFormat.Channels);
    }

    /// <summary>
    /// Consumes whole interleaved frames and writes the mono output they make available; returns its length.
    /// </summary>
    /// <exception cref="ArgumentException">A partial frame, or <paramref name="output"/> shorter than <see cref="MaxOutputFor"/>.</exception>
    /// <exception cref="InvalidOperationException">The stream was flushed and not <see cref="Reset"/>.</exception>
    public int Process(ReadOnlySpan<float> interleaved, Span<float> output)
    {
        int channels = InputFormat.Channels;
        if (interleaved.Length % channels != 0)
            throw new ArgumentException(
                $"{interleaved.Length} samples are not whole frames of {channels} channels", nameof(interleaved));
        // Checked up front so that a short buffer fails before any block has changed the stream.
        int needed = MaxOutputFor(interleaved.Length);
        if (output.Length < needed)
            throw new ArgumentException(
                $"output holds {output.Length} samples but may need {needed}; size it with MaxOutputFor", nameof(output));
        if (interleaved.IsEmpty || (channels == 1 && NonFiniteSamples.NoneIn(interleaved)))
            return _resampler.Process(interleaved, output);

        // Each block's output fits in what is left: the resampler's output count does not depend on chunking,
        // so the blocks together write no more than one call with all frames would.
        int written = 0;
        while (!interleaved.IsEmpty)
        {
            int frames = Math.Min(BlockFrames, interleaved.Length / channels);
            var mono = _mono.AsSpan(0, frames);
            if (channels == 1)
                interleaved[..frames].CopyTo(mono);
            else
                Downmixer.ToMono(interleaved[..(frames * channels)], channels, _mono);
            NonFiniteSamples.ToSilence(mono);
            written += _resampler.Process(mono, output[written..]);
            interleaved = interleaved[(frames * channels)..];
        }
        return written;
    }

    /// <summary>Ends the stream and writes the remaining output; a second call writes nothing.</summary>
    public int Flush(Span<float> output) => _resampler.Flush(output);

    /// <summary>Forgets the stream so far; the next <see cref="Process"/> starts a new one.</summary>
    public void Reset() => _resampler.Reset();
}
