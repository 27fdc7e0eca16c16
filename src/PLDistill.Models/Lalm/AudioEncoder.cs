using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;
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

    /// <summary>The number type of the weights (the normalisation statistics follow them).</summary>
    public InferencePrecision Precision => featureMean.dtype.ToInferencePrecision();

    /// <summary>The blocks, for incremental use by the streaming engine.</summary>
    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToArray();

    /// <summary>Sets the per-band mean and standard deviation of the training features (stored with the weights).</summary>
    public void SetNormalization(Tensor mean, Tensor std)
    {
        using var noGrad = no_grad();
        featureMean.copy_(mean);
        featureStd.copy_(std.NotBelow(1e-5));
    }

    /// <summary>(x − mean) / std per mel band, in the encoder's precision (features arrive as float32 whatever it runs in).</summary>
    public Tensor Normalize(Tensor mel) => ((mel.dtype == featureMean.dtype ? mel : mel.to(featureMean.dtype)) - featureMean) / featureStd;

    /// <summary>
    /// mel (B, T, M) with valid lengths (B) in mel frames -> frames (B, T', D) and their valid lengths (B), T' = ⌊T/s⌋.
    /// </summary>
    public (Tensor Frames, Tensor Lengths) Forward(Tensor mel, Tensor melLengths)
    {
        var (frames, lengths, _) = Encode(mel, melLengths, returnAttention: false);
        return (frames, lengths);
    }

    /// <summary>
    /// As <see cref="Forward"/>, and each block's self-attention weights (B, H, T', T') in block order, for attention-based
    /// priors. Rows of padded queries are weights too; callers mask them with the lengths. The caller disposes all tensors.
    /// </summary>
    public (Tensor Frames, Tensor Lengths, IReadOnlyList<Tensor> Attention) ForwardWithAttention(Tensor mel, Tensor melLengths) =>
        Encode(mel, melLengths, returnAttention: true);

    private (Tensor Frames, Tensor Lengths, IReadOnlyList<Tensor> Attention) Encode(Tensor mel, Tensor melLengths, bool returnAttention)
    {
        using var scope = NewDisposeScope();
        var (x, _) = subsampling.Forward(Normalize(mel));
        long steps = x.size(1);
        var lengths = melLengths.FloorDividedBy(Config.Subsampling);
        var blocked = AttentionMasks.BlockedPairsTensor((int)steps, Config.LeftContextFrames, ToLongArray(lengths), mel.device);   // (B, 1, T', T')
        // Position bias and mask go into the scores of every block: combine them once.
        var scoreOffset = positionBias.ForPositions(0, steps, steps).masked_fill(blocked, AttentionMasks.BlockedScore);   // (B, H, T', T')
        var attention = new List<Tensor>();
        foreach (var block in blocks)
        {
            var result = block.Forward(x, scoreOffset, returnWeights: returnAttention); // keys and values are not cached offline; the scope frees them
            x = result.Output;
            if (result.Weights is { } weights)
                attention.Add(weights);
        }
        return (finalNorm.forward(x).MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
                attention.Select(a => a.MoveToOuterDisposeScope()).ToArray());
    }

    /// <summary>A fresh per-stream state for <see cref="Step(Tensor, EncoderStreamState)"/>; only streaming encoders have one.</summary>
    public EncoderStreamState CreateStreamState() =>
        Config.IsStreamable ? new EncoderStreamState(Config.Layers, Config.LeftContextFrames!.Value)
            : throw new InvalidOperationException("a full-context encoder cannot run incrementally; use a streaming student");

    /// <summary>
    /// Encodes the next mel frames of one stream, (1, t, M) -> (1, t', D), reusing <paramref name="state"/>: only new frames
    /// pass through the network; attention reads the cached keys and values of the last W frames. The concatenated outputs
    /// of any chunking equal <see cref="Forward"/> over the whole stream.
    /// </summary>
    public Tensor Step(Tensor mel, EncoderStreamState state) => Step([mel], [state]).Frames;   // a batch of one has no padding

    /// <summary>
    /// Encodes the next mel frames of many streams in one pass: stream b's mel <c>mels[b]</c> (1, t_b, M) continues
    /// <c>states[b]</c>. New frames are right-padded to the longest, cached keys and values left-padded to the longest
    /// cache, and one additive mask keeps every query to its own stream's keys within the window. Per stream, outputs
    /// and the updated state equal <see cref="Step(Tensor, EncoderStreamState)"/> run alone.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, a mel is not (1, t, M), or a state appears twice (a stream steps once at a time).</exception>
    public EncoderStep Step(IReadOnlyList<Tensor> mels, IReadOnlyList<EncoderStreamState> states)
    {
        int window = Config.LeftContextFrames ?? throw new InvalidOperationException("not a streaming encoder");
        if (mels.Count != states.Count)
            throw new ArgumentException($"{mels.Count} mel chunks for {states.Count} streams", nameof(mels));
        if (states.Distinct().Count() != states.Count)
            throw new ArgumentException("a stream appears twice; it can take only one step at a time", nameof(states));
        using var scope = NewDisposeScope();
        int streams = states.Count;
        var device = featureMean.device;

        // Carried-over mel + new mel: whole groups of s frames go on, the rest waits for the next step.
        var groups = new Tensor[streams];
        var pending = new Tensor[streams];
        var counts = new int[streams];
        for (int b = 0; b < streams; b++)
        {
            if (mels[b].dim() != 3 || mels[b].size(0) != 1)
                throw new ArgumentException($"stream {b}'s mel is [{string.Join(", ", mels[b].shape)}], not (1, t, M)", nameof(mels));
            var normalized = Normalize(mels[b]);
            var combined = states[b].PendingMel is { } carried ? Concatenate([carried, normalized], 1) : normalized;   // (1, t, M)
            counts[b] = (int)(combined.size(1) / Config.Subsampling);
            long used = (long)counts[b] * Config.Subsampling;
            groups[b] = combined.narrow(1, 0, used);
            pending[b] = combined.narrow(1, used, combined.size(1) - used).contiguous();
        }

        // Streams with new frames, equal counts side by side (OrderBy is stable), in the order of the batch below.
        int[] active = Enumerable.Range(0, streams).Where(b => counts[b] > 0).OrderByDescending(b => counts[b]).ToArray();
        var histories = new Tensor[streams];
        var keys = new Tensor[streams][];
        var values = new Tensor[streams][];
        Tensor frames;
        if (active.Length == 0)
            frames = zeros(streams, 0, Config.Width, dtype: featureMean.dtype, device: device);
        else
        {
            var x = Subsample(groups, counts, states, active, histories);                            // (A, T, D)
            var encoded = finalNorm.forward(Attend(x, counts, states, active, window, keys, values));  // (A, T, D)
            frames = active.Length == streams && active.Select((b, a) => b == a).All(same => same) ? encoded
                : zeros(streams, encoded.size(1), Config.Width, dtype: encoded.dtype, device: device)
                    .index_copy_(0, tensor(active.Select(b => (long)b).ToArray(), device: device), encoded);   // (B, T, D)
        }

        // Stream state outlives this call and any scope of the caller's: detach it; the state's Dispose frees it.
        for (int b = 0; b < streams; b++)
        {
            states[b].CarryOver(pending[b].DetachFromDisposeScope());
            if (counts[b] > 0)
                states[b].Advance(counts[b], histories[b].DetachFromDisposeScope(), keys[b], values[b]);
        }
        return new EncoderStep(frames.MoveToOuterDisposeScope(), counts);
    }

    /// <summary>
    /// The causal subsampling of the active streams' whole mel groups -> (A, T, D), T the most new frames, right-padded.
    /// It runs once per distinct frame count, so that each stream's returned history ends at its own last frame.
    /// </summary>
    private Tensor Subsample(Tensor[] groups, int[] counts, IReadOnlyList<EncoderStreamState> states, int[] active, Tensor[] histories)
    {
        int longest = counts[active[0]];
        var device = featureMean.device;
        var padded = new List<Tensor>();
        for (int start = 0, end; start < active.Length; start = end)
        {
            for (end = start + 1; end < active.Length && counts[active[end]] == counts[active[start]]; end++) { }
            int[] members = active[start..end];
            var mel = Concatenate(members.Select(b => groups[b]).ToArray(), 0);                                          // (n, c·s, M)
            var history = Concatenate(members.Select(b => states[b].SubsamplingHistory
                ?? zeros(1, ConvolutionalSubsampling.CausalContext, Config.Width, dtype: featureMean.dtype, device: device)).ToArray(), 0); // (n, 2, D)
            var (x, next) = subsampling.Forward(mel, history);                                                  // (n, c, D)
            for (int i = 0; i < members.Length; i++)
                histories[members[i]] = next.narrow(0, i, 1);
            int count = counts[members[0]];
            padded.Add(count == longest ? x : functional.pad(x, [0, 0, 0, longest - count]));                    // (n, T, D)
        }
        return padded.Count == 1 ? padded[0] : Concatenate(padded, 0);
    }

    /// <summary>
    /// The transformer blocks over the active streams' new frames x (A, T, D), reading and renewing their key/value caches.
    /// Caches are left-padded to the longest one, P frames, and new frames right-padded to T, so key j of any stream lies
    /// i + P − j frames before query i: its true relative distance. One position bias and one window then serve every
    /// stream; only which keys are real differs, stream by stream. Returns the blocks' output (A, T, D) and puts each
    /// stream's new keys and values (its real new frames, per layer) in <paramref name="keys"/>/<paramref name="values"/>.
    /// </summary>
    private Tensor Attend(Tensor x, int[] counts, IReadOnlyList<EncoderStreamState> states, int[] active, int window,
                          Tensor[][] keys, Tensor[][] values)
    {
        long[] cached = active.Select(b => states[b].CachedFrames).ToArray();
        long past = cached.Max(), steps = x.size(1);
        // Who sees whom (each stream's real frames, within the window) and the position bias, both built on the host and
        // kept per set of sizes; query positions are relative to the batch (past..past+T−1), not to any stream.
        var blocked = AttentionMasks.BlockedPairsForStepTensor((int)past, (int)steps, window, cached,
                                                               active.Select(b => (long)counts[b]).ToArray(), featureMean.device); // (A, 1, T, P+T)
        var scoreOffset = positionBias.ForPositions(past, steps, past + steps).masked_fill(blocked, AttentionMasks.BlockedScore); // (A, H, T, P+T)

        foreach (int b in active)
        {
            keys[b] = new Tensor[blocks.Count];
            values[b] = new Tensor[blocks.Count];
        }
        var caches = active.Select(b => states[b].Cache).ToArray();
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            var (pastKeys, pastValues) = past == 0 ? (null, null) : KeyValueCache.LeftPadded(caches, layer, past);   // (A, H, P, d)
            var result = blocks[layer].Forward(x, scoreOffset, pastKeys: pastKeys, pastValues: pastValues);
            x = result.Output;
            for (int a = 0; a < active.Length; a++)
            {
                // Only the stream's real new frames join its cache (which keeps the last W).
                int b = active[a];
                keys[b][layer] = result.Keys.narrow(0, a, 1).narrow(2, 0, counts[b]);
                values[b][layer] = result.Values.narrow(0, a, 1).narrow(2, 0, counts[b]);
            }
        }
        return x;
    }

    internal ConvolutionalSubsampling Subsampling => subsampling;
    internal RelativePositionBias PositionBias => positionBias;
    internal TorchSharp.Modules.LayerNorm FinalNorm => finalNorm;
}
