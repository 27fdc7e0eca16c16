using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.TestSupport;

/// <summary>Seeded random students and a deterministic speech-like signal (a gliding, amplitude-modulated tone plus noise).</summary>
internal static class TestAudio
{
    public static AudioLanguageModel Student(int seed = 31)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student);
        model.Encoder.SetNormalization(ones(80).Times(-6), ones(80).Times(3));
        return model;
    }

    /// <summary>A student of the first shipped design: streaming encoder, full-context LM re-reading the projector cache.</summary>
    public static AudioLanguageModel FullContextLanguageModelStudent(int seed = 31)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student with { LanguageModel = new LanguageModelConfig() });
        model.Encoder.SetNormalization(ones(80).Times(-6), ones(80).Times(3));
        return model;
    }

    public static StreamingStudent Recognizer(int maxStreams, int seed = 31, StreamingParameters? streaming = null) =>
        new(Student(seed), new LogMelOptions(), streaming ?? new StreamingParameters(), EmotionLabelSet.Eight, CPU, maxStreams);

    public static float[] Speechlike(int samples, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, samples).Select(n =>
            (float)(0.3 * Math.Sin(2 * Math.PI * (120 + 40 * Math.Sin(n / 8000.0)) * n / 16000) * (0.6 + 0.4 * Math.Sin(n / 3000.0))
                    + 0.05 * (random.NextDouble() - 0.5))).ToArray();
    }
}
