using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Processing;

/// <summary>Turns interleaved multi-channel frames into mono by averaging the channels of each frame.</summary>
/// <remarks>
/// Averaging (rather than summing) keeps a full-scale signal in range and leaves identical channels as they
/// were (bit for bit in stereo, to rounding otherwise). Mono is copied as is; stereo has a vectorised path. Every path gives the same bits:
/// <c>(c0 + c1 + ...) * (1 / channels)</c>, summed in channel order.
/// </remarks>
public static class Downmixer
{
    /// <summary>
    /// Averages each frame of <paramref name="interleaved"/> (<paramref name="channels"/> samples per frame) into
    /// one sample of <paramref name="mono"/>; returns the number of frames. The spans may be the same memory.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1..<see cref="PcmFormat.MaxChannels"/>.</exception>
    /// <exception cref="ArgumentException">A partial frame, or <paramref name="mono"/> shorter than the frame count.</exception>
    public static int ToMono(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        if (channels is < 1 or > PcmFormat.MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channel count must be 1..{PcmFormat.MaxChannels}");
        if (interleaved.Length % channels != 0)
            throw new ArgumentException(
                $"{interleaved.Length} samples are not whole frames of {channels} channels", nameof(interleaved));
        int frames = interleaved.Length / channels;
        if (mono.Length < frames)
            throw new ArgumentException($"mono holds {mono.Length} samples but there are {frames} frames", nameof(mono));

        switch (channels)
        {
            case 1:
                interleaved.CopyTo(mono);
                break;
            case 2:
                Stereo(interleaved, mono[..frames]);
                break;
            default:
                Average(interleaved, channels, mono[..frames]);
                break;
        }
        return frames;
    }

    private static void Stereo(ReadOnlySpan<float> interleaved, Span<float> mono)
    {
        int frame = 0;
        if (Avx2.IsSupported)
        {
            // Eight frames per step. Writing output f only after reading inputs 2f and 2f+1 keeps in-place use safe.
            ref float source = ref MemoryMarshal.GetReference(interleaved);
            ref float destination = ref MemoryMarshal.GetReference(mono);
            var half = Vector256.Create(0.5f);
            for (; frame + 8 <= mono.Length; frame += 8)
            {
                var low = Vector256.LoadUnsafe(ref source, (nuint)(2 * frame));      // frames 0..3
                var high = Vector256.LoadUnsafe(ref source, (nuint)(2 * frame + 8)); // frames 4..7
                // Pairwise sums per 128-bit lane come out as frames 0,1,4,5 | 2,3,6,7; swap the middle pairs back.
                var sums = Avx.HorizontalAdd(low, high);
                var ordered = Avx2.Permute4x64(sums.AsDouble(), 0b11_01_10_00).AsSingle();
                (ordered * half).StoreUnsafe(ref destination, (nuint)frame);
            }
        }
        for (; frame < mono.Length; frame++)
            mono[frame] = (interleaved[2 * frame] + interleaved[2 * frame + 1]) * 0.5f;
    }

    private static void Average(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        float scale = 1f / channels;
        for (int frame = 0; frame < mono.Length; frame++)
        {
            ReadOnlySpan<float> samples = interleaved.Slice(frame * channels, channels);
            float sum = 0;
            foreach (float sample in samples)
                sum += sample;
            mono[frame] = sum * scale;
        }
    }
}
