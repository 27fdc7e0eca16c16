using PLDistill.Audio.Data;
using PLDistill.Audio.Processing;
using PLDistill.Audio.Resampling;
using PLDistill.Models.Features;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>
/// Decodes clips once and keeps their log-mel features in memory (RAVDESS is ~80 minutes: ~40 MB of features),
/// optionally with speed-perturbed copies: audio played at speed f is audio at f × 16 kHz resampled to 16 kHz,
/// so duration scales by 1/f and pitch by f, as in Kaldi's speed perturbation.
/// </summary>
public static class FeatureBank
{
    /// <summary>
    /// Features for every clip of <paramref name="clips"/> that <paramref name="labels"/> keeps, for each speed; a clip
    /// (or speed copy) too short for one frame is left out (<see cref="Evaluation.EvaluationClips"/> counts those).
    /// </summary>
    public static IReadOnlyList<FeatureClip> Build(IEnumerable<RavdessClip> clips, EmotionLabelSet labels, LogMelOptions features,
                                                   IReadOnlyList<double>? speeds = null, IProgress<int>? progress = null)
    {
        speeds ??= [1.0];
        using var spectrogram = new LogMelSpectrogram(features);
        var result = new List<FeatureClip>();
        int done = 0;
        foreach (var clip in clips)
        {
            if (labels.IndexOf(clip.Emotion) is not int label)
                continue;
            float[] audio = AudioFile.ReadMono(clip.Path, features.SampleRate);
            foreach (double speed in speeds)
            {
                float[] variant = speed == 1.0 ? audio : StreamingResampler.ResampleAll(audio,
                    new ResamplerOptions((int)Math.Round(features.SampleRate * speed), features.SampleRate));
                var (values, frames) = LogMel(spectrogram, variant);
                if (frames > 0)
                    result.Add(new FeatureClip(values, frames, label, clip, speed));
            }
            progress?.Report(++done);
        }
        return result;
    }

    /// <summary>Log-mel of one signal as a row-major T × M array.</summary>
    public static (float[] Values, int Frames) LogMel(LogMelSpectrogram spectrogram, float[] audio)
    {
        using var scope = NewDisposeScope();
        var mel = spectrogram.forward(tensor(audio));
        int frames = (int)mel.size(0);
        return (frames == 0 ? [] : mel.contiguous().data<float>().ToArray(), frames);
    }

    /// <summary>Per-band mean and standard deviation over all frames of <paramref name="clips"/> (for the model's normaliser).</summary>
    public static (float[] Mean, float[] Std) Statistics(IEnumerable<FeatureClip> clips, int melBins) =>
        Statistics(clips.Select(c => (c.Features, c.Frames)), melBins);

    /// <summary>Per-band mean and standard deviation over all frames of row-major (T × M) log-mel arrays.</summary>
    public static (float[] Mean, float[] Std) Statistics(IEnumerable<(float[] Features, int Frames)> clips, int melBins)
    {
        var sum = new double[melBins];
        var squares = new double[melBins];
        long count = 0;
        foreach (var clip in clips)
        {
            for (int t = 0; t < clip.Frames; t++)
            {
                for (int m = 0; m < melBins; m++)
                {
                    double v = clip.Features[t * melBins + m];
                    sum[m] += v;
                    squares[m] += v * v;
                }
            }
            count += clip.Frames;
        }
        if (count == 0)
            throw new ArgumentException("no frames to compute statistics from", nameof(clips));
        var mean = sum.Select(s => (float)(s / count)).ToArray();
        var std = squares.Select((s, m) => (float)Math.Sqrt(Math.Max(s / count - mean[m] * (double)mean[m], 1e-10))).ToArray();
        return (mean, std);
    }
}
