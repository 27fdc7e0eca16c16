using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using PLDistill.Server.Engines;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>Seeded random students (the pipeline is what is tested, not the accuracy) and a speech-like test signal.</summary>
internal static class TestModel
{
    public const int SampleRate = 16_000;
    public const int HopSamples = 4_000;   // the default 250 ms

    public static AudioLanguageModel Student(int seed = 31)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student);
        model.Encoder.SetNormalization(ones(80).Times(-6), ones(80).Times(3));
        return model;
    }

    public static StudentRecognizerFactory Factory(int seed = 31) =>
        new(Student(seed), new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight, CPU, $"random student (seed {seed})");

    /// <summary>A student of the full-context-LM design, which can serve any window its positions hold (the default
    /// windowed-LM student serves only the window it was trained with).</summary>
    public static StudentRecognizerFactory FullContextFactory(int seed = 31)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student with { LanguageModel = new LanguageModelConfig() });
        model.Encoder.SetNormalization(ones(80).Times(-6), ones(80).Times(3));
        return new(model, new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight, CPU, $"random full-context-LM student (seed {seed})");
    }

    /// <summary>The probabilities a lone recognizer gives after feeding <paramref name="audio"/> hop by hop.</summary>
    public static float[] DirectLastProbabilities(float[] audio, int seed = 31)
    {
        using var student = new StreamingStudent(Student(seed), new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight, CPU, 1);
        using var session = student.Open();
        EmotionScores last = null!;
        for (int start = 0; start < audio.Length; start += HopSamples)
            last = student.Advance(session, audio.AsSpan(start, Math.Min(HopSamples, audio.Length - start)));
        return last.Probabilities;
    }

    public static float[] Speechlike(int samples, int seed, int sampleRate = SampleRate)
    {
        var random = new Random(seed);
        var audio = new float[samples];
        for (int n = 0; n < samples; n++)
        {
            double t = (double)n / sampleRate;
            audio[n] = (float)(0.3 * Math.Sin(2 * Math.PI * (120 + 40 * Math.Sin(t * 2)) * t) * (0.6 + 0.4 * Math.Sin(t * 5.3))
                               + 0.05 * (random.NextDouble() - 0.5));
        }
        return audio;
    }

    /// <summary>Floats quantised to 16-bit and back, as the server decodes LINEAR16.</summary>
    public static float[] Quantized(float[] audio) => audio.Select(x => Math.Clamp(MathF.Round(x * 32768f), short.MinValue, short.MaxValue) / 32768f).ToArray();

    /// <summary><see cref="Speechlike"/> audio at the model's rate as LINEAR16 bytes.</summary>
    public static byte[] SpeechLinear16(int samples, int seed) => Linear16(Speechlike(samples, seed));

    public static byte[] Linear16(float[] interleaved)
    {
        var bytes = new byte[interleaved.Length * 2];
        for (int i = 0; i < interleaved.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (short)Math.Clamp(MathF.Round(interleaved[i] * 32768f), short.MinValue, short.MaxValue));
        return bytes;
    }

    public static byte[] Float32(float[] interleaved)
    {
        var bytes = new byte[interleaved.Length * 4];
        Buffer.BlockCopy(interleaved, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
