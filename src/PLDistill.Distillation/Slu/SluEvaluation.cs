using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Slu;

/// <summary>
/// The spoken-language-understanding test of PAD (issue 7): does linguistic knowledge reach the speech student? A linear
/// probe learns intents from the student's frozen utterance embeddings on seen phrasings in training voices; it is then
/// scored on seen phrasings in held-out voices (does the representation carry the words?) and on unseen phrasings in
/// held-out voices, whose words never occur in the probe's training set (only knowledge of what words mean can help).
/// The probe's training length is chosen on the valid set (seen phrasings, voices of neither train nor test).
/// </summary>
public static class SluEvaluation
{
    /// <summary>
    /// Embeds every set with <paramref name="model"/> on <paramref name="device"/> (default CPU), fits a probe with
    /// <paramref name="probe"/>'s settings on <paramref name="data"/>'s train set and scores each set. With
    /// <paramref name="text"/> (text-teacher outputs for the corpus's ids) the same probe on pooled text features gives
    /// the text side's accuracy.
    /// </summary>
    public static SluResult Evaluate(AudioLanguageModel model, SluDataset data, LinearProbeOptions probe, Device? device = null,
                                     TextTeacherOutputs? text = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(probe);
        device ??= CPU;
        int intents = data.Corpus.Intents.Count;

        using var train = Embed(model, data.Train, device);
        using var valid = Embed(model, data.Valid, device);
        using var testSeen = Embed(model, data.TestSeen, device);
        using var testUnseen = Embed(model, data.TestUnseen, device);
        // SluDataset.Build refuses an empty train set; the valid set (seen phrasings, other voices) picks the probe's step.
        using var speech = LinearProbe.Fit(train!, Labels(data.Train), intents, probe, valid is null ? null : (valid, Labels(data.Valid)));

        double? textSeen = null, textUnseen = null;
        if (text is not null)
        {
            using var textTrain = UtteranceEmbedder.EmbedText(text, Ids(data.Train));
            using var textValid = data.Valid.Count == 0 ? null : UtteranceEmbedder.EmbedText(text, Ids(data.Valid));
            using var textProbe = LinearProbe.Fit(textTrain, Labels(data.Train), intents, probe, textValid is null ? null : (textValid, Labels(data.Valid)));
            textSeen = Score(textProbe, data.TestSeen, ids => UtteranceEmbedder.EmbedText(text, ids));
            textUnseen = Score(textProbe, data.TestUnseen, ids => UtteranceEmbedder.EmbedText(text, ids));
        }
        return new SluResult(intents, data.Train.Count, data.Valid.Count, data.TestSeen.Count, data.TestUnseen.Count,
            speech.Accuracy(train!, Labels(data.Train)), Accuracy(speech, valid, data.Valid), Accuracy(speech, testSeen, data.TestSeen),
            Accuracy(speech, testUnseen, data.TestUnseen), textSeen, textUnseen);
    }

    private static Tensor? Embed(AudioLanguageModel model, IReadOnlyList<IntentClip> clips, Device device) =>
        clips.Count == 0 ? null : UtteranceEmbedder.Embed(model, clips.Select(c => c.Features).ToArray(), device);

    /// <summary>Accuracy on a set, NaN for an empty one (a corpus without unseen phrasings, say).</summary>
    private static double Accuracy(LinearProbe probe, Tensor? embeddings, IReadOnlyList<IntentClip> clips) =>
        embeddings is null ? double.NaN : probe.Accuracy(embeddings, Labels(clips));

    private static double Score(LinearProbe probe, IReadOnlyList<IntentClip> clips, Func<IReadOnlyList<string>, Tensor> embed)
    {
        if (clips.Count == 0)
            return double.NaN;
        using var embeddings = embed(Ids(clips));
        return probe.Accuracy(embeddings, Labels(clips));
    }

    private static int[] Labels(IReadOnlyList<IntentClip> clips) => [.. clips.Select(c => c.Intent)];

    private static string[] Ids(IReadOnlyList<IntentClip> clips) => [.. clips.Select(c => c.Features.Id)];
}
