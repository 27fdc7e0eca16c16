using static TorchSharp.torch;

namespace PLDistill.Distillation.Pad;

/// <summary>Ranks texts for each speech query by cosine similarity of their embeddings; pair i is (speech row i, text row i).</summary>
public static class SpeechTextRetrieval
{
    /// <summary>Metrics for <paramref name="speech"/> (N, D) against <paramref name="text"/> (N, D); ties rank the true text last.</summary>
    /// <exception cref="ArgumentException">The shapes are not both (N, D) with N ≥ 1.</exception>
    public static RetrievalMetrics Evaluate(Tensor speech, Tensor text)
    {
        ArgumentNullException.ThrowIfNull(speech);
        ArgumentNullException.ThrowIfNull(text);
        if (speech.dim() != 2 || text.dim() != 2 || speech.size(0) != text.size(0) || speech.size(1) != text.size(1) || speech.size(0) < 1)
            throw new ArgumentException($"retrieval needs two (N, D) embeddings, got ({string.Join(", ", speech.shape)}) and ({string.Join(", ", text.shape)})");
        int count = (int)speech.size(0), width = (int)speech.size(1);
        float[] a = Rows(speech), b = Rows(text);
        var similarity = new double[count * count];   // (N, N) row-major: query i, text j
        for (int i = 0; i < count; i++)
            for (int j = 0; j < count; j++)
                similarity[i * count + j] = Cosine(a.AsSpan(i * width, width), b.AsSpan(j * width, width));
        var ranks = new int[count];
        for (int i = 0; i < count; i++)
        {
            double own = similarity[i * count + i];
            int rank = 1;
            for (int j = 0; j < count; j++)
                if (j != i && similarity[i * count + j] >= own)
                    rank++;
            ranks[i] = rank;
        }
        Array.Sort(ranks);
        double median = count % 2 == 1 ? ranks[count / 2] : (ranks[count / 2 - 1] + ranks[count / 2]) / 2.0;
        return new RetrievalMetrics(count, ranks.Count(r => r <= 1) / (double)count, ranks.Count(r => r <= 5) / (double)count, median);
    }

    private static float[] Rows(Tensor x)
    {
        using var scope = NewDisposeScope();
        return x.detach().to(float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>cos(a, b); 0 when either vector is zero.</summary>
    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            dot += a[k] * (double)b[k];
            aa += a[k] * (double)a[k];
            bb += b[k] * (double)b[k];
        }
        return aa > 0 && bb > 0 ? dot / Math.Sqrt(aa * bb) : 0;
    }
}
