using PLDistill.Models.Features;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Features;

public sealed class StreamingLogMelExtractorTests
{
    public static TheoryData<int, int> Chunkings() => new() { { 1, 0 }, { 160, 0 }, { 161, 0 }, { 4000, 0 }, { 0, 11 }, { 0, 12 } };

    /// <param name="fixedSize">chunk size, or 0 for seeded random sizes 1..5000</param>
    [Theory]
    [MemberData(nameof(Chunkings))]
    public void Chunked_frames_equal_whole_signal_frames(int fixedSize, int seed)
    {
        var random = new Random(seed + 100);
        float[] signal = Enumerable.Range(0, 24_321).Select(n => (float)(0.4 * Math.Sin(n * 0.05) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
        var options = new LogMelOptions();
        using var module = new LogMelSpectrogram(options);
        using var whole = module.forward(tensor(signal));

        var extractor = new StreamingLogMelExtractor(module);
        var parts = new List<Tensor>();
        var chunkRandom = new Random(seed);
        for (int at = 0; at < signal.Length;)
        {
            int size = Math.Min(fixedSize > 0 ? fixedSize : chunkRandom.Next(1, 5000), signal.Length - at);
            parts.Add(extractor.Accept(signal.AsSpan(at, size)));
            at += size;
        }
        using var streamed = cat(parts, 0);
        parts.ForEach(p => p.Dispose());

        Assert.Equal(whole.shape, streamed.shape);
        Assert.Equal(options.FrameCount(signal.Length), extractor.FramesEmitted);
        float worst = (whole - streamed).abs().max().item<float>();
        Assert.True(worst <= 1e-4f, $"max |streamed - whole| = {worst}");
    }

    [Fact]
    public void Reset_starts_a_new_stream()
    {
        using var module = new LogMelSpectrogram(new LogMelOptions());
        var extractor = new StreamingLogMelExtractor(module);
        float[] audio = Enumerable.Range(0, 1000).Select(n => (float)Math.Sin(n * 0.1)).ToArray();
        using var first = extractor.Accept(audio);
        extractor.Reset();
        Assert.Equal(0, extractor.FramesEmitted);
        using var again = extractor.Accept(audio);
        Assert.True(first.allclose(again, rtol: 0, atol: 0));
    }
}
