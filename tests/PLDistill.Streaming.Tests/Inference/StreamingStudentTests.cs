using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Tests.TestSupport;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.Inference;

public sealed class StreamingStudentTests
{
    /// <summary>Offline reference: features and encoder over the whole prefix, projector, the LM over its last window.</summary>
    private static float[] Offline(AudioLanguageModel model, LogMelSpectrogram spectrogram, float[] prefix, int windowFrames, EmotionLabelSet labels)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var mel = spectrogram.forward(tensor(prefix)).unsqueeze(0);
        var (frames, _) = model.Encoder.Forward(mel, tensor(new[] { mel.shape[1] }));
        var projected = model.Projector.forward(frames)[0];
        long n = Math.Min(windowFrames, projected.shape[0]);
        var window = projected.narrow(0, projected.shape[0] - n, n).unsqueeze(0);
        var (logits, _) = model.Answer(window, tensor(new[] { n }));
        return model.ClassLogits(logits.select(1, logits.shape[1] - 1), labels).softmax(1)[0].data<float>().ToArray();
    }

    [Theory]
    [InlineData(250)]
    [InlineData(130)]
    public void Every_hop_equals_the_offline_computation_of_the_same_stream(int hopMilliseconds)
    {
        using var model = TestAudio.Student();
        var features = new LogMelOptions();
        var streaming = new StreamingParameters { HopMilliseconds = hopMilliseconds };
        using var student = new StreamingStudent(model, features, streaming, EmotionLabelSet.Eight, CPU, maxStreams: 4);
        using var spectrogram = new LogMelSpectrogram(features);
        float[] audio = TestAudio.Speechlike(16000 * 7, seed: 1);   // 7 s: the 3 s window slides over 4 s
        using var stream = student.Open();

        int hop = 16 * hopMilliseconds;
        double worst = 0;
        for (int end = hop; end <= audio.Length; end += hop)
        {
            var online = student.Advance(stream, audio.AsSpan(end - hop, hop));
            if (online.WindowFrames == 0)
                continue;
            float[] offline = Offline(model, spectrogram, audio[..end], student.WindowFrames, EmotionLabelSet.Eight);
            worst = Math.Max(worst, online.Probabilities.Zip(offline).Max(p => Math.Abs(p.First - p.Second)));
            Assert.Equal(Math.Min(student.WindowFrames, features.FrameCount(end) / 4), online.WindowFrames);
        }
        Assert.True(worst <= 1e-4, $"max |online - offline| probability = {worst}");
    }

    [Fact]
    public void Streams_do_not_disturb_each_other_and_free_their_slots()
    {
        using var model = TestAudio.Student();
        using var student = new StreamingStudent(model, new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight, CPU, maxStreams: 2);
        float[] a = TestAudio.Speechlike(16000 * 4, 2), b = TestAudio.Speechlike(16000 * 4, 3);

        EmotionScores? alone = null;
        using (var solo = student.Open())
        {
            for (int i = 0; i < 16; i++)
                alone = student.Advance(solo, a.AsSpan(i * 4000, 4000));
        }
        using var first = student.Open();
        using var second = student.Open();
        EmotionScores interleaved = alone!;
        for (int i = 0; i < 16; i++)
        {
            interleaved = student.Advance(first, a.AsSpan(i * 4000, 4000));
            student.Advance(second, b.AsSpan(i * 4000, 4000));
        }
        Assert.Equal(alone!.Probabilities, interleaved.Probabilities);
        Assert.Throws<InvalidOperationException>(() => student.Open());
        Assert.True(first.DeviceBytes > 0);
    }
}
