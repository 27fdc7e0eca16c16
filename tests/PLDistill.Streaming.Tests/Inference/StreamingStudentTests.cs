using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Tests.TestSupport;
using PLDistill.Testing;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.Inference;

public sealed class StreamingStudentTests
{
    /// <summary>
    /// Offline reference: features and encoder over the whole prefix, projector, then the LM — for a windowed LM over all of
    /// it (its attention layout reads the last window), for a full-context LM over the last window's frames.
    /// </summary>
    private static float[] Offline(AudioLanguageModel model, LogMelSpectrogram spectrogram, float[] prefix, int windowFrames, EmotionLabelSet labels)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var mel = spectrogram.forward(tensor(prefix)).unsqueeze(0);
        var (frames, _) = model.Encoder.Forward(mel, tensor(new[] { mel.shape[1] }));
        var projected = model.Projector.forward(frames)[0];
        long n = model.Config.LanguageModel.IsStreamable ? projected.shape[0] : Math.Min(windowFrames, projected.shape[0]);
        var window = projected.narrow(0, projected.shape[0] - n, n).unsqueeze(0);
        var (logits, _) = model.Answer(window, tensor(new[] { n }));
        return model.ClassLogits(logits.select(1, logits.shape[1] - 1), labels).softmax(1)[0].data<float>().ToArray();
    }

    [Theory]
    [InlineData(250, true)]
    [InlineData(130, true)]
    [InlineData(250, false)]
    public void Every_hop_equals_the_offline_computation_of_the_same_stream(int hopMilliseconds, bool windowedLanguageModel)
    {
        using var model = windowedLanguageModel ? TestAudio.Student() : TestAudio.FullContextLanguageModelStudent();
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void In_bfloat16_every_hop_equals_the_offline_bfloat16_computation_of_the_same_stream(bool windowedLanguageModel)
    {
        using var model = windowedLanguageModel ? TestAudio.Student() : TestAudio.FullContextLanguageModelStudent();
        model.eval();
        model.UsePrecision(InferencePrecision.BFloat16);
        var features = new LogMelOptions();
        using var student = new StreamingStudent(model, features, new StreamingParameters(), EmotionLabelSet.Eight, CPU, maxStreams: 2);
        using var spectrogram = new LogMelSpectrogram(features);
        float[] audio = TestAudio.Speechlike(16000 * 5, seed: 3);
        using var stream = student.Open();

        // Caches, masks and position biases in bfloat16 change no more than the order of roundings: the incremental
        // path stays within bfloat16's rounding of the whole-prefix pass (float32 paths agree to 1e-4, above). How far
        // bfloat16 moves the answers of a trained model is measured on real speech (ShippedModelsTests).
        int hop = 16 * 250;
        double worst = 0;
        for (int end = hop; end <= audio.Length; end += hop)
        {
            var online = student.Advance(stream, audio.AsSpan(end - hop, hop));
            Assert.All(online.Probabilities, p => Assert.True(float.IsFinite(p)));
            if (online.WindowFrames == 0)
                continue;
            float[] offline = Offline(model, spectrogram, audio[..end], student.WindowFrames, EmotionLabelSet.Eight);
            worst = Math.Max(worst, online.Probabilities.Zip(offline).Max(p => Math.Abs(p.First - p.Second)));
        }
        Assert.True(worst <= 5e-3, $"max |online - offline| probability in bfloat16 = {worst}");
    }

    [Fact]
    public void Streams_of_different_lengths_and_hops_advanced_in_one_batch_each_equal_their_offline_computation()
    {
        using var model = TestAudio.Student();
        var features = new LogMelOptions();
        using var student = new StreamingStudent(model, features, new StreamingParameters(), EmotionLabelSet.Eight, CPU, maxStreams: 5);
        using var spectrogram = new LogMelSpectrogram(features);
        // (length, hop in samples, the batch it joins): encoder caches of different lengths meet in one batch, hops give
        // 6-7, 3-4, 8-9, 1-2 and 0-1 new encoder frames, and streams leave the batch as their audio ends (the last hop may be short).
        var plans = new (int Samples, int Hop, int Joins)[] { (16000 * 4, 4000, 0), (52800, 2080, 0), (16000 * 5, 5328, 3), (19200, 800, 1), (9600, 320, 6) };
        var audio = plans.Select((p, s) => TestAudio.Speechlike(p.Samples, seed: 10 + s)).ToArray();
        var streams = plans.Select(_ => student.Open()).ToArray();
        var fed = new int[plans.Length];
        double worst = 0;
        int batches = 0, largest = 0;
        try
        {
            for (int batch = 0; fed.Where((f, s) => f < plans[s].Samples).Any(); batch++)
            {
                var members = Enumerable.Range(0, plans.Length).Where(s => batch >= plans[s].Joins && fed[s] < plans[s].Samples).ToArray();
                var hops = members.Select(s => new HopInput(streams[s], audio[s].AsMemory(fed[s], Math.Min(plans[s].Hop, plans[s].Samples - fed[s])))).ToArray();
                var online = student.Advance(hops);
                batches++;
                largest = Math.Max(largest, members.Length);
                for (int m = 0; m < members.Length; m++)
                {
                    int s = members[m];
                    fed[s] += hops[m].Samples.Length;
                    Assert.Equal(Math.Min(student.WindowFrames, features.FrameCount(fed[s]) / 4), online[m].WindowFrames);
                    if (online[m].WindowFrames == 0)
                        continue;
                    float[] offline = Offline(model, spectrogram, audio[s][..fed[s]], student.WindowFrames, EmotionLabelSet.Eight);
                    worst = Math.Max(worst, online[m].Probabilities.Zip(offline).Max(p => Math.Abs(p.First - p.Second)));
                }
            }
        }
        finally
        {
            foreach (var stream in streams)
                stream.Dispose();
        }
        Assert.Equal(5, largest);
        Assert.True(worst <= 1e-4, $"max |online - offline| probability = {worst} over {batches} batches");
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

    [Fact]
    public void A_windowed_LM_refuses_a_window_it_was_not_trained_with()
    {
        using var model = TestAudio.Student();
        var error = Assert.Throws<ArgumentException>(() =>
            new StreamingStudent(model, new LogMelOptions(), new StreamingParameters { WindowSeconds = 5 }, EmotionLabelSet.Eight, CPU, maxStreams: 1));
        Assert.Contains("fixed window of 3 s", error.Message, StringComparison.Ordinal);
        using var legacy = TestAudio.FullContextLanguageModelStudent();
        using var anyWindow = new StreamingStudent(legacy, new LogMelOptions(), new StreamingParameters { WindowSeconds = 5 }, EmotionLabelSet.Eight, CPU, maxStreams: 1);
        Assert.Equal(125, anyWindow.WindowFrames);
    }

    [Fact]
    public void A_hop_leaves_nothing_for_the_finalizer()
    {
        using var model = TestAudio.Student();
        using var student = new StreamingStudent(model, new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight, CPU, maxStreams: 2);
        float[] audio = TestAudio.Speechlike(16000 * 4, seed: 2);
        using var stream = student.Open();
        int hop = 16 * 250, next = 0;
        const int hops = 30;

        long left = FinalizerQueueProbe.LeftBy(() =>
        {
            student.Advance(stream, audio.AsSpan(next, hop));
            next = (next + hop) % (audio.Length - hop);
        }, hops);

        // Before FinalizerFreeOperations a hop left its cat, stack, shape and data<float>() helpers (dozens); the test
        // process leaves a few of its own.
        Assert.True(left < hops, $"{hops} hops left {left} objects for the finalizer");
    }
}
