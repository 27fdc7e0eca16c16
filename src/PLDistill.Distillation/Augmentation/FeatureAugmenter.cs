using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Augmentation;

/// <summary>
/// Augments a batch of log-mel features in place of the waveform, so features can be computed once:
/// additive white noise at a random SNR (added in the mel power domain: log(e^x + n), n the noise power per band
/// that gives the SNR), then SpecAugment frequency and time masks (masked values set to the band's training mean,
/// i.e. zero after normalisation).
/// </summary>
public sealed class FeatureAugmenter
{
    private readonly AugmentationOptions options;
    private readonly Tensor bandMean;   // (M)
    private readonly Random random;

    /// <summary>An augmenter with its own seeded random source.</summary>
    public FeatureAugmenter(AugmentationOptions options, Tensor bandMean, int seed)
    {
        this.options = options;
        this.bandMean = bandMean;
        random = new Random(seed);
    }

    /// <summary>mel (B, T, M), lengths (B) -> augmented copy.</summary>
    public Tensor Apply(Tensor mel, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        long batch = mel.size(0), steps = mel.size(1), bands = mel.size(2);
        var output = mel.clone();
        var lengthValues = lengths.cpu().data<long>().ToArray();
        for (int b = 0; b < batch; b++)
        {
            var clip = output[b];                                                    // (T, M) view
            long length = lengthValues[b];
            if (length == 0)
                continue;
            if (random.NextDouble() < options.NoiseProbability)
            {
                var valid = clip.narrow(0, 0, length);
                var power = valid.exp();
                double snrDb = options.NoiseMinSnrDb + random.NextDouble() * (options.NoiseMaxSnrDb - options.NoiseMinSnrDb);
                // White noise spreads evenly over bands: give each band the mean signal power divided by the SNR.
                using var snr = Math.Pow(10, snrDb / 10).ToScalar();
                var noise = power.mean() / snr;
                valid.copy_(power.add(noise, One).log());
            }
            for (int i = 0; i < options.FrequencyMasks && options.FrequencyMaskWidth > 0; i++)
            {
                int width = random.Next(options.FrequencyMaskWidth + 1);
                int start = random.Next((int)Math.Max(1, bands - width));
                if (width > 0)
                    clip.narrow(1, start, width).copy_(bandMean.narrow(0, start, width).expand(steps, width));
            }
            for (int i = 0; i < options.TimeMasks && options.TimeMaskWidth > 0; i++)
            {
                int width = (int)Math.Min(random.Next(options.TimeMaskWidth + 1), length / 5);
                int start = random.Next((int)Math.Max(1, length - width));
                if (width > 0)
                    clip.narrow(0, start, width).copy_(bandMean.expand(width, bands));
            }
        }
        return output.MoveToOuterDisposeScope();
    }
}
