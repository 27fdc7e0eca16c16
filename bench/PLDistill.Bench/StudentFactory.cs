using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>The model a streaming benchmark runs: a checkpoint when given, else a seeded random student (same compute).</summary>
internal static class StudentFactory
{
    /// <summary>
    /// Set to 1 to measure the random student of the first shipped design instead of the default: the same streaming
    /// encoder, but a full-context LM that re-reads the whole projector cache every hop.
    /// Ignored when a checkpoint is given, which carries its own design.
    /// </summary>
    public const string LegacyLanguageModelVariable = "PLD_BENCH_LEGACY_LM";

    /// <summary>Set to BFloat16 to run every benchmarked model in bfloat16 (default Float32).</summary>
    public const string PrecisionVariable = "PLD_BENCH_PRECISION";

    /// <summary>The precision <see cref="PrecisionVariable"/> asks for.</summary>
    /// <exception cref="ArgumentException">It names no precision.</exception>
    public static InferencePrecision Precision =>
        Environment.GetEnvironmentVariable(PrecisionVariable) is { Length: > 0 } value
            ? Enum.TryParse<InferencePrecision>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw new ArgumentException($"{PrecisionVariable}={value}: use Float32 or BFloat16")
            : InferencePrecision.Float32;

    public static (AudioLanguageModel Model, LogMelOptions Features, StreamingParameters Streaming, string Description) Load(string? checkpoint)
    {
        bool legacy = Environment.GetEnvironmentVariable(LegacyLanguageModelVariable) == "1";
        var config = legacy ? LalmConfig.Student with { LanguageModel = new LanguageModelConfig() } : LalmConfig.Student;
        string design = legacy ? $"full-context LM, {LegacyLanguageModelVariable}=1" : "default shape";
        return Load(checkpoint, config, $"random student ({design}; compute does not depend on the weights)");
    }

    /// <summary>The checkpoint when given, else seeded random weights of <paramref name="randomShape"/> described as <paramref name="randomDescription"/>.</summary>
    public static (AudioLanguageModel Model, LogMelOptions Features, StreamingParameters Streaming, string Description) Load(
        string? checkpoint, LalmConfig randomShape, string randomDescription)
    {
        string precision = Precision == InferencePrecision.Float32 ? "" : $", {Precision}";
        if (checkpoint is not null)
        {
            var (model, metadata) = CheckpointFile.Load(checkpoint);
            model.eval();
            return (model.UsePrecision(Precision), metadata.Features, metadata.Streaming, checkpoint + precision);
        }
        manual_seed(0);
        var random = new AudioLanguageModel(randomShape);
        int bins = randomShape.Encoder.MelBins;
        random.Encoder.SetNormalization(ones(bins).Times(-6), ones(bins).Times(3));
        random.eval();
        return (random.UsePrecision(Precision), new LogMelOptions(), new StreamingParameters(), randomDescription + precision);
    }

    public static EmotionLabelSet Labels => EmotionLabelSet.Eight;

    /// <summary>A deterministic speech-like test signal (gliding, modulated tone plus noise) at 16 kHz.</summary>
    public static float[] Speechlike(int samples, int seed)
    {
        var random = new Random(seed);
        var audio = new float[samples];
        for (int n = 0; n < samples; n++)
            audio[n] = (float)(0.3 * Math.Sin(2 * Math.PI * (120 + 40 * Math.Sin(n / 8000.0)) * n / 16000) * (0.6 + 0.4 * Math.Sin(n / 3000.0))
                               + 0.05 * (random.NextDouble() - 0.5));
        return audio;
    }
}
