namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// What a model without context scores on the same held-out masked words, from the training sentences' word counts cᵥ:
/// the majority guess (always the most frequent word) and the add-one unigram model pᵥ = (cᵥ + 1) / (Σ c + V′), V′ the
/// vocabulary's ordinary words.
/// </summary>
/// <param name="MajorityToken">The most frequent training word.</param>
/// <param name="MajorityAccuracy">Fraction of held-out masked words equal to it.</param>
/// <param name="UnigramPerplexity">exp of the unigram model's mean negative log-likelihood of the held-out masked words.</param>
public sealed record MaskedLanguageModelBaseline(string MajorityToken, double MajorityAccuracy, double UnigramPerplexity);
