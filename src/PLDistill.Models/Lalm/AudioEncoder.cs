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

    internal ConvolutionalSubsampling Subsampling => subsampling;
    internal RelativePositionBias PositionBias => positionBias;
    internal TorchSharp.Modules.LayerNorm FinalNorm => finalNorm;
}
