using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>The no-training baseline of <c>pld pad</c> and <c>pld slu</c>: a default-shape student with seeded random weights.</summary>
internal static class RandomStudent
{
    /// <summary>A student seeded with <paramref name="seed"/>, its features normalised with <paramref name="statistics"/> of the data it will see.</summary>
    public static AudioLanguageModel Create(int seed, (float[] Mean, float[] Std) statistics)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student);
        using var mean = tensor(statistics.Mean);
        using var std = tensor(statistics.Std);
        model.Encoder.SetNormalization(mean, std);
        return model;
    }
}
