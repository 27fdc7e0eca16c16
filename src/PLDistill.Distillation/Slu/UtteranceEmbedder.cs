using PLDistill.Distillation.Losses.Pad;
using PLDistill.Distillation.Pad;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Slu;

/// <summary>
/// One vector per utterance: the speech student's projector outputs (the audio embeddings its language model reads),
/// mean-pooled over the valid frames, e(x) = (1/T) Σₜ Proj(Enc(x))ₜ. The same pooling serves every row of the SLU table,
/// so rows differ only in the student's weights.
/// </summary>
public static class UtteranceEmbedder
{
    /// <summary>(N, D_lm) embeddings of <paramref name="clips"/> in order, on the CPU; the model is put in eval mode.</summary>
    public static Tensor Embed(AudioLanguageModel model, IReadOnlyList<PadClip> clips, Device device, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0)
            throw new ArgumentException("no clips to embed", nameof(clips));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        foreach (var batch in clips.Chunk(batchSize))
        {
            var (mel, melLengths) = PadBatch.Mel(batch, model.Config.Encoder.MelBins);
            var (frames, lengths) = model.Encoder.Forward(mel.to(device), melLengths.to(device));
            var projected = model.Projector.forward(frames);                                       // (B, T, D_lm)
            rows.Add(GlobalAlignment.Pool(projected, SignificancePrior.Uniform(lengths, projected.size(1))).cpu());
        }
        return cat(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>(N, D_t) text-teacher features of <paramref name="ids"/>, mean-pooled over tokens: the text side's own view.</summary>
    public static Tensor EmbedText(Data.TextTeacher.TextTeacherOutputs text, IReadOnlyList<string> ids, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
            throw new ArgumentException("no ids to embed", nameof(ids));
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        foreach (var chunk in ids.Chunk(batchSize))
        {
            var batch = text.Make(chunk, []);   // its tensors belong to the scope
            rows.Add(GlobalAlignment.Pool(batch.Features, SignificancePrior.Uniform(batch.Lengths, batch.Steps)));
        }
        return cat(rows, 0).MoveToOuterDisposeScope();
    }
}
