using PLDistill.Models.Text;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// One sentence prepared for masked-language-model training: the ids the model reads, and the original id at every
/// position it must predict (−1 elsewhere).
/// </summary>
/// <remarks>
/// BERT's recipe: each word is chosen with probability p (at least one word per sentence); a chosen word is replaced by
/// [MASK] 80% of the time, by a random word 10%, and kept 10%, and the model predicts the original at every chosen position.
/// [CLS], [SEP] and [UNK] are never chosen: predicting [UNK] would reward the vocabulary cut-off, not language. For
/// evaluation (<c>allMasked</c>) every chosen word becomes [MASK], so accuracy measures filling a gap, nothing easier.
/// </remarks>
/// <param name="Inputs">The ids the encoder reads, [CLS] … [SEP].</param>
/// <param name="Targets">The original id at each chosen position, −1 at the others.</param>
public sealed record MaskedSentence(int[] Inputs, int[] Targets)
{
    /// <summary>Masks <paramref name="ids"/> (a [CLS] … [SEP] encoding) with <paramref name="random"/>.</summary>
    public static MaskedSentence Make(int[] ids, int vocabularySize, double probability, Random random, bool allMasked = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(random);
        var inputs = (int[])ids.Clone();
        var targets = new int[ids.Length];
        Array.Fill(targets, -1);
        var candidates = new List<int>();
        for (int i = 0; i < ids.Length; i++)
            if (ids[i] >= WordTokenizer.FirstWordId)
                candidates.Add(i);
        if (candidates.Count == 0)
            return new MaskedSentence(inputs, targets);

        var chosen = candidates.Where(_ => random.NextDouble() < probability).ToList();
        if (chosen.Count == 0)
            chosen.Add(candidates[random.Next(candidates.Count)]);
        foreach (int i in chosen)
        {
            targets[i] = ids[i];
            double roll = allMasked ? 0 : random.NextDouble();
            inputs[i] = roll < 0.8 ? WordTokenizer.MaskId
                      : roll < 0.9 ? random.Next(WordTokenizer.FirstWordId, vocabularySize)
                      : ids[i];
        }
        return new MaskedSentence(inputs, targets);
    }

    /// <summary>Positions to predict.</summary>
    public int TargetCount => Targets.Count(t => t >= 0);
}
