using static TorchSharp.torch;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// Masked sentences as tensors: ids (B, T) padded with [PAD], lengths (B), the flat positions b·T + t of the N targets (N)
/// and their ids (N). The caller disposes it.
/// </summary>
public sealed class MaskedLanguageModelBatch : IDisposable
{
    private MaskedLanguageModelBatch(Tensor ids, Tensor lengths, Tensor targetPositions, Tensor targets)
    {
        Ids = ids;
        Lengths = lengths;
        TargetPositions = targetPositions;
        Targets = targets;
    }

    /// <summary>(B, T) int64.</summary>
    public Tensor Ids { get; }

    /// <summary>(B) int64.</summary>
    public Tensor Lengths { get; }

    /// <summary>(N) int64 indices into the (B·T) flattened positions.</summary>
    public Tensor TargetPositions { get; }

    /// <summary>(N) int64 original ids.</summary>
    public Tensor Targets { get; }

    /// <summary>N.</summary>
    public int TargetCount => (int)Targets.size(0);

    /// <summary>The batch of <paramref name="sentences"/> on <paramref name="device"/>.</summary>
    public static MaskedLanguageModelBatch Make(IReadOnlyList<MaskedSentence> sentences, Device device)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        int steps = sentences.Max(s => s.Inputs.Length);
        var ids = new long[sentences.Count * steps];                    // [PAD] is id 0
        var lengths = new long[sentences.Count];
        var positions = new List<long>();
        var targets = new List<long>();
        for (int b = 0; b < sentences.Count; b++)
        {
            var sentence = sentences[b];
            lengths[b] = sentence.Inputs.Length;
            for (int t = 0; t < sentence.Inputs.Length; t++)
            {
                ids[b * steps + t] = sentence.Inputs[t];
                if (sentence.Targets[t] >= 0)
                {
                    positions.Add(b * steps + t);
                    targets.Add(sentence.Targets[t]);
                }
            }
        }
        return new MaskedLanguageModelBatch(
            tensor(ids, [sentences.Count, steps], device: device), tensor(lengths, device: device),
            tensor(positions.ToArray(), device: device), tensor(targets.ToArray(), device: device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Ids.Dispose();
        Lengths.Dispose();
        TargetPositions.Dispose();
        Targets.Dispose();
    }
}
