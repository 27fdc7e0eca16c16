using PLDistill.Distillation.Evaluation;
using PLDistill.Distillation.Losses;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>
/// The teacher's outputs on every training variant, computed once on the clean, whole clip, so that a distillation epoch
/// costs what a plain one does: a training window reads the run of the teacher's audio steps it covers.
/// </summary>
/// <remarks>
/// The teacher thus sees what the student's augmentation hides (noise, masks) and the context outside the window (its
/// encoder is full-context): it passes on what it knows of the whole utterance, as a privileged teacher. Stored per variant:
/// projector outputs (Tt, Dt), next-token logits at the prompt, audio and suffix positions, and for AwCKA the answer's
/// attention onto each audio step; a window's weights are renormalised over the steps it covers.
/// </remarks>
public sealed class PrecomputedTeacher : IDisposable
{
    private const double WeightFloor = 1e-8;   // keeps a window the teacher barely looked at from weighing zero in total

    private readonly Tensor[] projected;     // per clip (Tt, Dt)
    private readonly Tensor[] audioLogits;   // per clip (Tt, V)
    private readonly Tensor[] textLogits;    // per clip (P + Q, V): prompt positions, then suffix positions
    private readonly Tensor[]? weights;      // per clip (Tt), AwCKA weights before renormalisation to a window
    private readonly int subsampling, prefixLength, suffixLength;

    private PrecomputedTeacher(Tensor[] projected, Tensor[] audioLogits, Tensor[] textLogits, Tensor[]? weights,
                               int subsampling, int prefixLength, int suffixLength)
    {
        this.projected = projected;
        this.audioLogits = audioLogits;
        this.textLogits = textLogits;
        this.weights = weights;
        this.subsampling = subsampling;
        this.prefixLength = prefixLength;
        this.suffixLength = suffixLength;
    }

    /// <summary>Clips covered (the builder's clip indices 0..Count−1).</summary>
    public int Count => projected.Length;

    /// <summary>True when AwCKA weights were stored.</summary>
    public bool HasAttentionWeights => weights is not null;

    /// <summary>
    /// Runs <paramref name="teacher"/> (without gradients, in eval mode: it stays so) over every clip of <paramref name="clips"/>, whole and clean, in
    /// batches of similar length, and keeps its outputs on <paramref name="device"/>. With <paramref name="attention"/>,
    /// also the AwCKA weights that source gives.
    /// </summary>
    public static PrecomputedTeacher Compute(ModelEnsemble teacher, IReadOnlyList<FeatureClip> clips, AttentionSource? attention,
                                             Device device, int batchSize = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int count = clips.Count;
        var projected = new Tensor[count];
        var audioLogits = new Tensor[count];
        var textLogits = new Tensor[count];
        var weights = attention is null ? null : new Tensor[count];
        int prefixLength = 0, suffixLength = 0;

        var builder = new BatchBuilder(clips, teacher.Config.Encoder.MelBins);
        teacher.Eval();
        {
            using var noGrad = no_grad();   // not inference_mode: its tensors could not enter the student's autograd graph later
            int[] byLength = Enumerable.Range(0, count).OrderBy(i => clips[i].Frames).ToArray();   // little padding per batch
            foreach (int[] indices in byLength.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                using var batch = builder.Make(indices, maxFrames: null, random: null).To(device);
                using var output = teacher.Forward(batch.Mel, batch.Lengths, returnAttention: attention is not null);
                var clipWeights = attention is null ? null : AudioAttentionWeights.From(output, attention);   // (B, Ta)
                prefixLength = output.PrefixLength;
                suffixLength = output.SuffixLength;
                long[] steps = output.AudioLengths.cpu().data<long>().ToArray();
                long sequence = output.Logits.size(1);
                for (int b = 0; b < indices.Length; b++)
                {
                    int clip = indices[b];
                    projected[clip] = Keep(output.Projected[b].narrow(0, 0, steps[b]));
                    audioLogits[clip] = Keep(output.Logits[b].narrow(0, prefixLength, steps[b]));
                    textLogits[clip] = Keep(cat([output.Logits[b].narrow(0, 0, prefixLength),
                                                 output.Logits[b].narrow(0, sequence - suffixLength, suffixLength)], 0));
                    if (weights is not null)
                        weights[clip] = Keep(clipWeights![b].narrow(0, 0, steps[b]));
                }
            }
        }
        return new PrecomputedTeacher(projected, audioLogits, textLogits, weights, teacher.Config.Encoder.Subsampling, prefixLength, suffixLength);
    }

    /// <summary>
    /// The teacher's output for a training batch, laid out as the student's: per window, the teacher's audio steps it
    /// covers, zero-padded to the batch's longest, between the clip's prompt and suffix logits; and the AwCKA weights
    /// (B, Ta) renormalised over each window (null when none were stored). The caller disposes both.
    /// </summary>
    /// <exception cref="ArgumentException">A window names a clip not computed, or does not start on an audio-step boundary, or runs past the clip.</exception>
    public (LalmOutput Teacher, Tensor? Weights) ForWindows(IReadOnlyList<(int Clip, int Offset)> windows, Tensor melLengths)
    {
        long[] lengths = melLengths.cpu().data<long>().ToArray();
        if (windows.Count != lengths.Length)
            throw new ArgumentException($"{windows.Count} windows for {lengths.Length} lengths; build the batch with BatchBuilder.Make");
        using var scope = NewDisposeScope();
        long[] steps = lengths.Select(l => l / subsampling).ToArray();
        long longest = steps.Max();
        var features = new Tensor[windows.Count];
        var logits = new Tensor[windows.Count];
        var windowWeights = weights is null ? null : new Tensor[windows.Count];
        for (int b = 0; b < windows.Count; b++)
        {
            var (clip, offset) = windows[b];
            if (clip < 0 || clip >= Count)
                throw new ArgumentException($"window {b} is of clip {clip}; the teacher's outputs cover clips 0..{Count - 1}");
            if (offset % subsampling != 0)
                throw new ArgumentException($"window {b} starts at mel frame {offset}, not a multiple of the subsampling {subsampling}");
            long start = offset / subsampling, clipSteps = projected[clip].size(0);
            if (start + steps[b] > clipSteps)
                throw new ArgumentException($"window {b} covers audio steps {start}..{start + steps[b] - 1}; clip {clip} has {clipSteps}");
            long padding = longest - steps[b];
            features[b] = PadSteps(projected[clip].narrow(0, start, steps[b]), padding);
            var text = textLogits[clip];
            logits[b] = cat([text.narrow(0, 0, prefixLength),
                             PadSteps(audioLogits[clip].narrow(0, start, steps[b]), padding),
                             text.narrow(0, prefixLength, suffixLength)], 0);
            if (windowWeights is not null)
            {
                var w = weights![clip].narrow(0, start, steps[b]).NotBelow(WeightFloor);
                windowWeights[b] = PadSteps((w / w.sum()).unsqueeze(-1), padding).squeeze(-1);
            }
        }
        var device = projected[0].device;
        var output = new LalmOutput(stack(features).MoveToOuterDisposeScope(), tensor(steps, device: device).MoveToOuterDisposeScope(),
            stack(logits).MoveToOuterDisposeScope(), [], prefixLength, suffixLength);
        return (output, windowWeights is null ? null : stack(windowWeights).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// How far the stored AwCKA weights are from uniform over training windows of <paramref name="windowSteps"/> audio steps:
    /// every clip's windows one second (<paramref name="strideSteps"/>) apart, plus the one that ends with the clip, each
    /// renormalised as <see cref="ForWindows"/> does. Null when no weights were stored.
    /// </summary>
    public AttentionWeightProfile? ProfileWeights(int windowSteps, int strideSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideSteps, 1);
        if (weights is null)
            return null;
        var placement = new WindowPooling(windowSteps, strideSteps);   // the same starts as pooled evaluation's windows
        var windows = new List<float[]>();
        foreach (var clipWeights in weights)
        {
            float[] w = FinalizerFreeOperations.ToFloatArray(clipWeights);
            int length = Math.Min(windowSteps, w.Length);
            windows.AddRange(placement.Offsets(w.Length).Select(start => w[start..(start + length)].Select(v => Math.Max(v, (float)WeightFloor)).ToArray()));
        }
        return AttentionWeightProfile.Of(windows);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in projected.Concat(audioLogits).Concat(textLogits).Concat(weights ?? []))
            t?.Dispose();
    }

    private static Tensor Keep(Tensor t) => t.clone().DetachFromDisposeScope();

    private static Tensor PadSteps(Tensor x, long padding) =>   // (T, D) -> (T + padding, D), zeros after
        padding == 0 ? x : nn.functional.pad(x, [0, 0, 0, padding]);
}
