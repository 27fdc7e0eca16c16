using PLDistill.Models.Text;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>What <see cref="MaskedLanguageModelTrainer.Train"/> produced; the caller disposes <see cref="Encoder"/>.</summary>
/// <param name="Encoder">The trained encoder, in eval mode.</param>
/// <param name="Tokenizer">The vocabulary built from the training sentences.</param>
/// <param name="TrainingSentences">Sentences trained on.</param>
/// <param name="HeldOutSentences">Sentences held out.</param>
/// <param name="HeldOutTargets">Masked words in the held-out evaluation (the same every epoch).</param>
/// <param name="History">Every epoch, in order.</param>
/// <param name="Baseline">The context-free baselines on the same held-out words.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record MaskedLanguageModelResult(
    TextEncoder Encoder, WordTokenizer Tokenizer, int TrainingSentences, int HeldOutSentences, int HeldOutTargets,
    IReadOnlyList<MaskedLanguageModelEpoch> History, MaskedLanguageModelBaseline Baseline, TimeSpan Elapsed)
{
    /// <summary>The last epoch.</summary>
    public MaskedLanguageModelEpoch Final => History[^1];
}
