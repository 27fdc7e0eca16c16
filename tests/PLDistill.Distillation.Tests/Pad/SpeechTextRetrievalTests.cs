using PLDistill.Distillation.Pad;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Pad;

public sealed class SpeechTextRetrievalTests
{
    [Fact]
    public void Identical_embeddings_retrieve_their_own_text_first()
    {
        using var embeddings = eye(6).to(float32);
        var metrics = SpeechTextRetrieval.Evaluate(embeddings, embeddings);
        Assert.Equal(new RetrievalMetrics(6, 1.0, 1.0, 1.0), metrics);
    }

    [Fact]
    public void Ranks_are_counted_by_cosine_not_by_length()
    {
        // Text 1 is scaled by 10: only directions count. Query 2 is orthogonal to every text.
        using var speech = tensor(new float[] { 1, 1, 0, /**/ 0, 1, 0, /**/ 0, 0, 1 }, [3, 3]);
        using var text = tensor(new float[] { 1, 0, 0, /**/ 0, 10, 0, /**/ 1, 0, 0 }, [3, 3]);
        var metrics = SpeechTextRetrieval.Evaluate(speech, text);
        // query 0: cos to text0 = cos to text1 = cos to text2 = 0.707 -> ties rank the true text last: rank 3
        // query 1: own text cos 1, others 0: rank 1
        // query 2: all cosines 0: rank 3
        Assert.Equal(3, metrics.Count);
        Assert.Equal(1.0 / 3, metrics.RecallAt1, 12);
        Assert.Equal(1.0, metrics.RecallAt5, 12);
        Assert.Equal(3.0, metrics.MedianRank);
    }

    [Fact]
    public void A_derangement_never_retrieves_the_own_text()
    {
        using var speech = eye(4).to(float32);
        using var text = eye(4).to(float32).roll(1, 0);
        var metrics = SpeechTextRetrieval.Evaluate(speech, text);
        Assert.Equal(0.0, metrics.RecallAt1);
        Assert.Equal(4.0, metrics.MedianRank);   // own text has cos 0 and ties with two others at 0, one above at 1
    }

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        using var a = zeros(3, 4);
        using var b = zeros(2, 4);
        Assert.Throws<ArgumentException>(() => SpeechTextRetrieval.Evaluate(a, b));
    }
}
