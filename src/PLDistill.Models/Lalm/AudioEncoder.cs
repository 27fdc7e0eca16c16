using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Normalised log-mel -> convolutional subsampling -> transformer blocks -> layer norm.
/// A streaming encoder attends over a sliding causal window of <see cref="EncoderConfig.LeftContextFrames"/> frames;
/// a full-context one (teachers) sees the whole clip.
/// </summary>
public sealed class AudioEncoder : Module
{
    private readonly Tensor featureMean, featureStd;  // (M) normalisation statistics of the training set
    private readonly ConvolutionalSubsampling subsampling;
    private readonly RelativePositionBias positionBias;
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
    private readonly TorchSharp.Modules.LayerNorm finalNorm;

    /// <summary>An encoder of the given shape with identity normalisation.</summary>
    public AudioEncoder(EncoderConfig config) : base(nameof(AudioEncoder))
    {
        Config = config.Validate();
        featureMean = zeros(config.MelBins);
        featureStd = ones(config.MelBins);
        subsampling = new ConvolutionalSubsampling(config.MelBins, config.Width, config.Subsampling);
        int past = config.LeftContextFrames ?? config.MaxRelativeDistance;
        int future = config.LeftContextFrames is null ? config.MaxRelativeDistance : 0;
        positionBias = new RelativePositionBias(config.Heads, past, future);
        blocks = new TorchSharp.Modules.ModuleList<TransformerBlock>(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.FeedForwardMultiplier, config.Dropout)).ToArray());
        finalNorm = LayerNorm(config.Width);
        register_buffer(nameof(featureMean), featureMean);
        register_buffer(nameof(featureStd), featureStd);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public EncoderConfig Config { get; }

    /// <summary>The blocks, for incremental use by the streaming engine.</summary>
    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToArray();

    /// <summary>Sets the per-band mean and standard deviation of the training features (stored with the weights).</summary>
    public void SetNormalization(Tensor mean, Tensor std)
    {
        using var noGrad = no_grad();
        featureMean.copy_(mean);
        featureStd.copy_(std.clamp_min(1e-5));
    }

    /// <summary>(x − mean) / std per mel band.</summary>
    public Tensor Normalize(Tensor mel) => (mel - featureMean) / featureStd;

    /// <summary>
    /// mel (B, T, M) with valid lengths (B) in mel frames -> frames (B, T', D) and their valid lengths (B), T' = ⌊T/s⌋.
    /// </summary>
    public (Tensor Frames, Tensor Lengths) Forward(Tensor mel, Tensor melLengths)
    {
        using var scope = NewDisposeScope();
        var (x, _) = subsampling.Forward(Normalize(mel));
        long steps = x.shape[1];
        var lengths = melLengths.div(Config.Subsampling, rounding_mode: RoundingMode.floor);

        var positions = arange(steps, dtype: int64, device: mel.device);
        var mask = AttentionMasks.Additive(AttentionMasks.Window(positions, positions, Config.LeftContextFrames),
                                           AttentionMasks.ValidSteps(lengths, steps));
        var bias = positionBias.Compute(positions, positions);
        foreach (var block in blocks)
            x = block.Forward(x, mask, bias).Output; // keys and values are not cached offline; the scope frees them
        return (finalNorm.forward(x).MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope());
    }

    /// <summary>A fresh per-stream state for <see cref="Step"/>; only streaming encoders have one.</summary>
    public EncoderStreamState CreateStreamState() =>
        Config.IsStreamable ? new EncoderStreamState(Config.Layers)
            : throw new InvalidOperationException("a full-context encoder cannot run incrementally; use a streaming student");

    /// <summary>
    /// Encodes the next mel frames of one stream, (1, t, M) -> (1, t', D), reusing <paramref name="state"/>: only new frames
    /// pass through the network; attention reads the cached keys and values of the last W frames. The concatenated outputs
    /// of any chunking equal <see cref="Forward"/> over the whole stream.
    /// </summary>
    public Tensor Step(Tensor mel, EncoderStreamState state)
    {
        int window = Config.LeftContextFrames ?? throw new InvalidOperationException("not a streaming encoder");
        using var scope = NewDisposeScope();
        var normalized = Normalize(mel);
        var combined = state.PendingMel is null ? normalized : cat([state.PendingMel, normalized], 1);
        long steps = combined.shape[1] / Config.Subsampling, used = steps * Config.Subsampling;
        var pending = combined.narrow(1, used, combined.shape[1] - used).contiguous();
        var history = state.SubsamplingHistory;
        var (x, nextHistory) = subsampling.Forward(combined.narrow(1, 0, used), history);
        // Stream state outlives this call and any scope of the caller's: detach it; the state's Dispose frees it.
        var states = (Pending: pending.DetachFromDisposeScope(), History: nextHistory.DetachFromDisposeScope());
        if (steps == 0)
        {
            var nothing = x.MoveToOuterDisposeScope();
            Commit(state, states.Pending, states.History);
            return nothing;
        }

        long first = state.FramesEncoded;
        var queryPositions = arange(first, first + steps, dtype: int64, device: mel.device);
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            Tensor? pastKeys = state.Keys[layer], pastValues = state.Values[layer];
            long past = pastKeys?.shape[2] ?? 0;
            var keyPositions = arange(first - past, first + steps, dtype: int64, device: mel.device);
            var allKeysValid = ones(1, past + steps, dtype: @bool, device: mel.device);
            var mask = AttentionMasks.Additive(AttentionMasks.Window(queryPositions, keyPositions, window), allKeysValid);
            var bias = positionBias.Compute(queryPositions, keyPositions);
            var result = blocks[layer].Forward(x, mask, bias, pastKeys, pastValues);
            x = result.Output;
            // Keep exactly the keys a future query can still see: the last W frames.
            var keys = pastKeys is null ? result.Keys : cat([pastKeys, result.Keys], 2);
            var values = pastValues is null ? result.Values : cat([pastValues, result.Values], 2);
            long keep = Math.Min(window, keys.shape[2]);
            state.Keys[layer]?.Dispose();
            state.Values[layer]?.Dispose();
            state.Keys[layer] = keys.narrow(2, keys.shape[2] - keep, keep).contiguous().DetachFromDisposeScope();
            state.Values[layer] = values.narrow(2, values.shape[2] - keep, keep).contiguous().DetachFromDisposeScope();
        }
        var output = finalNorm.forward(x).MoveToOuterDisposeScope();
        Commit(state, states.Pending, states.History);
        state.FramesEncoded += steps;
        return output;
    }

    private static void Commit(EncoderStreamState state, Tensor pending, Tensor history)
    {
        state.PendingMel?.Dispose();
        state.PendingMel = pending;
        state.SubsamplingHistory?.Dispose();
        state.SubsamplingHistory = history;
    }

    internal ConvolutionalSubsampling Subsampling => subsampling;
    internal RelativePositionBias PositionBias => positionBias;
    internal TorchSharp.Modules.LayerNorm FinalNorm => finalNorm;
}
