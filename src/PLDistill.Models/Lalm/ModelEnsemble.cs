using PLDistill.Audio.Data;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;

namespace PLDistill.Models.Lalm;

/// <summary>
/// A teacher made of one or more audio-language models that see the same input: their answers are averaged, and so is
/// everything distillation reads, position by position. One model is an ensemble of one.
/// </summary>
/// <remarks>
/// Combined output, per the losses that read it:
/// <list type="bullet">
/// <item>logits (B, S, V): the mean of the members' logits (LDist, logit KD, the answer);</item>
/// <item>projector outputs (B, Ta, ΣD): the members' side by side. Linear CKA compares Gram matrices, and the Gram matrix of
/// the concatenation is the sum of the members' Gram matrices: PDist aligns the student with all of them at once;</item>
/// <item>LM attention (B, H, S, S) per layer: the mean of the members' (AwCKA's weights).</item>
/// </list>
/// Members share the vocabulary, the prompt and the audio-token rate, so every position means the same in each.
/// </remarks>
public sealed class ModelEnsemble : IDisposable
{
    private readonly AudioLanguageModel[] members;

    /// <summary>An ensemble of <paramref name="members"/> (it disposes them).</summary>
    /// <exception cref="ArgumentException">No members, or members that differ in vocabulary, mel bins or audio-token rate.</exception>
    public ModelEnsemble(IReadOnlyList<AudioLanguageModel> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
            throw new ArgumentException("an ensemble needs at least one model", nameof(members));
        this.members = members.ToArray();
        var first = this.members[0];
        for (int i = 1; i < this.members.Length; i++)
        {
            var member = this.members[i];
            if (!member.Vocabulary.Tokens.SequenceEqual(first.Vocabulary.Tokens))
                throw new ArgumentException($"member {i}'s vocabulary differs from member 0's; their logits cannot be averaged", nameof(members));
            if (member.Config.Encoder.MelBins != first.Config.Encoder.MelBins || member.Config.Encoder.Subsampling != first.Config.Encoder.Subsampling)
                throw new ArgumentException($"member {i} reads {member.Config.Encoder.MelBins} mel bins at subsampling {member.Config.Encoder.Subsampling}, " +
                                            $"member 0 {first.Config.Encoder.MelBins} at {first.Config.Encoder.Subsampling}; members must see the same input and audio steps", nameof(members));
        }
    }

    /// <summary>The models.</summary>
    public IReadOnlyList<AudioLanguageModel> Members => members;

    /// <summary>The first member's shape: what the ensemble reads (mel bins, audio-token rate).</summary>
    public LalmConfig Config => members[0].Config;

    /// <summary>The shared vocabulary.</summary>
    public TextVocabulary Vocabulary => members[0].Vocabulary;

    /// <summary>Width of the combined projector outputs: the sum of the members' LM widths.</summary>
    public int ProjectedWidth => members.Sum(m => m.Config.LanguageModel.Width);

    /// <summary>Trainable parameters of all members.</summary>
    public long ParameterCount => members.Sum(m => m.ParameterCount);

    /// <summary>Moves every member to <paramref name="device"/>.</summary>
    public ModelEnsemble To(Device device)
    {
        foreach (var member in members)
            member.to(device);
        return this;
    }

    /// <summary>Converts every member to <paramref name="precision"/> (see <see cref="AudioLanguageModel.UsePrecision"/>).</summary>
    public ModelEnsemble UsePrecision(InferencePrecision precision)
    {
        foreach (var member in members)
            member.UsePrecision(precision);
        return this;
    }

    /// <summary>Puts every member in eval mode.</summary>
    public ModelEnsemble Eval()
    {
        foreach (var member in members)
            member.eval();
        return this;
    }

    /// <summary>The combined forward pass (see the remarks). With <paramref name="returnAttention"/> the members must have equally many LM layers and heads.</summary>
    public LalmOutput Forward(Tensor mel, Tensor melLengths, bool returnAttention = false)
    {
        if (members.Length == 1)
            return members[0].Forward(mel, melLengths, returnAttention);
        if (returnAttention && members.Any(m => m.Config.LanguageModel.Layers != Config.LanguageModel.Layers || m.Config.LanguageModel.Heads != Config.LanguageModel.Heads))
            throw new InvalidOperationException("averaging LM attention needs members with equally many LM layers and heads");
        using var scope = NewDisposeScope();
        var outputs = members.Select(m => m.Forward(mel, melLengths, returnAttention)).ToArray();
        var projected = Concatenate(outputs.Select(o => o.Projected).ToArray(), -1);
        var logits = Stack(outputs.Select(o => o.Logits).ToArray()).mean([0]);
        var attention = Enumerable.Range(0, outputs[0].Attention.Count)
            .Select(layer => Stack(outputs.Select(o => o.Attention[layer]).ToArray()).mean([0]).MoveToOuterDisposeScope()).ToArray();
        return new LalmOutput(projected.MoveToOuterDisposeScope(), outputs[0].AudioLengths.clone().MoveToOuterDisposeScope(),
            logits.MoveToOuterDisposeScope(), attention, outputs[0].PrefixLength, outputs[0].SuffixLength);
    }

    /// <summary>The mean of the members' answer logits (B, V).</summary>
    public Tensor AnswerLogits(Tensor mel, Tensor melLengths)
    {
        if (members.Length == 1)
            return members[0].AnswerLogits(mel, melLengths);
        using var scope = NewDisposeScope();
        return Stack(members.Select(m => m.AnswerLogits(mel, melLengths)).ToArray()).mean([0]).MoveToOuterDisposeScope();
    }

    /// <summary>Class logits (B, C) of the label set's answer words.</summary>
    public Tensor ClassLogits(Tensor answerLogits, EmotionLabelSet labels) => members[0].ClassLogits(answerLogits, labels);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var member in members)
            member.Dispose();
    }
}
