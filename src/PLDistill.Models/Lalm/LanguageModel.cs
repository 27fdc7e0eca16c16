using static PLDistill.Models.Runtime.KeptScalarOperations;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// A small decoder-only LM over [prefix tokens; audio embeddings; suffix tokens]. Two attention layouts:
/// <list type="bullet">
/// <item>full context (<see cref="LanguageModelConfig.AudioWindow"/> null, the teacher): causal attention over everything,
/// learned absolute positions;</item>
/// <item>audio window W (the streaming student): every audio and suffix token sees the whole prompt, the last W audio
/// tokens and earlier suffix tokens, with a relative position bias among audio and suffix tokens. Nothing depends on where
/// the stream started, so <see cref="Step"/> continues a live stream with only the new tokens.</item>
/// </list>
/// Audio rows past a clip's length are padding: masked as keys, so a padded batch computes what each clip alone would.
/// </summary>
public sealed class LanguageModel : Module
{
    private readonly TorchSharp.Modules.Embedding tokenEmbedding, positionEmbedding;
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
    private readonly TorchSharp.Modules.LayerNorm finalNorm;
    private readonly TorchSharp.Modules.Linear head;
    private readonly RelativePositionBias? audioBias;   // windowed layout only, shared by all layers

    /// <summary>An LM of the given shape over <paramref name="vocabularySize"/> tokens.</summary>
    public LanguageModel(LanguageModelConfig config, int vocabularySize) : base(nameof(LanguageModel))
    {
        Config = config.Validate();
        tokenEmbedding = Embedding(vocabularySize, config.Width);
        positionEmbedding = Embedding(config.MaxPositions, config.Width);
        blocks = new TorchSharp.Modules.ModuleList<TransformerBlock>(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.FeedForwardMultiplier, config.Dropout)).ToArray());
        finalNorm = LayerNorm(config.Width);
        head = Linear(config.Width, vocabularySize);
        if (config.AudioWindow is int window)
            audioBias = new RelativePositionBias(config.Heads, maxPast: window + 8, maxFuture: 0);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public LanguageModelConfig Config { get; }

    /// <summary>
    /// prefix (P) and suffix (Q) token ids, audio (B, Ta, D) with lengths (B) -> logits (B, P+Ta+Q, V), plus each layer's
    /// attention weights (B, H, S, S) when <paramref name="returnAttention"/>.
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Attention) Forward(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds, bool returnAttention)
    {
        using var scope = NewDisposeScope();
        var (x, scoreOffset) = Layout(prefixIds, audio, audioLengths, suffixIds);

        var attention = new List<Tensor>();
        foreach (var block in blocks)
        {
            var step = block.Forward(x, scoreOffset, returnWeights: returnAttention);
            x = step.Output;
            if (step.Weights is not null)
                attention.Add(step.Weights.MoveToOuterDisposeScope());
        }
        var logits = head.forward(finalNorm.forward(x));
        return (logits.MoveToOuterDisposeScope(), attention);
    }

    /// <summary>
    /// The answer's logits only (B, V): what <see cref="Forward"/> gives at its last position, without the last block's
    /// feed-forward and output rows for every other position (inference and evaluation need no more).
    /// </summary>
    public Tensor AnswerLogits(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds)
    {
        using var scope = NewDisposeScope();
        var (x, scoreOffset) = Layout(prefixIds, audio, audioLengths, suffixIds);
        for (int layer = 0; layer < blocks.Count; layer++)
            x = blocks[layer].Forward(x, scoreOffset, lastRows: layer == blocks.Count - 1 ? 1 : null).Output;
        return head.forward(finalNorm.forward(x.select(1, x.size(1) - 1))).MoveToOuterDisposeScope();
    }

    // The input sequence (B, S, D) and what every block adds to its attention scores (mask plus any position bias),
    // computed once for all blocks.
    private (Tensor X, Tensor ScoreOffset) Layout(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds) =>
        Config.AudioWindow is int window
            ? WindowedLayout(prefixIds, audio, audioLengths, suffixIds, window)
            : FullContextLayout(prefixIds, audio, audioLengths, suffixIds);

    // Teacher layout: causal over [prefix; audio; suffix], learned absolute positions that skip padded audio.
    private (Tensor X, Tensor ScoreOffset) FullContextLayout(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds)
    {
        long batch = audio.size(0), audioSteps = audio.size(1), p = prefixIds.size(0), q = suffixIds.size(0);
        long steps = p + audioSteps + q;
        if (steps > Config.MaxPositions)
            throw new ArgumentException($"sequence of {steps} positions exceeds the language model's {Config.MaxPositions}; use a shorter window");
        var device = audio.device;
        var prefix = tokenEmbedding.forward(prefixIds).unsqueeze(0).expand(batch, -1, -1);
        var suffix = tokenEmbedding.forward(suffixIds).unsqueeze(0).expand(batch, -1, -1);
        var sequence = Concatenate([prefix, audio, suffix], 1);                                                // (B, S, D)

        var audioRange = Positions(audioSteps, device).unsqueeze(0);              // (1, Ta)
        var prefixPositions = Positions(p, device).unsqueeze(0).expand(batch, -1);
        var audioPositions = audioRange.Plus(p).expand(batch, -1);
        var suffixPositions = Positions(q, device).unsqueeze(0).Plus(audioLengths.unsqueeze(1).Plus(p));
        var x = sequence.Plus(positionEmbedding.forward(Concatenate([prefixPositions, audioPositions, suffixPositions], 1)));

        var validAudio = audioRange.lt(audioLengths.unsqueeze(1));                                     // (B, Ta)
        var validKeys = Concatenate([ones(batch, p, dtype: @bool, device: device), validAudio, ones(batch, q, dtype: @bool, device: device)], 1);
        var order = Positions(steps, device);
        return (x, AttentionMasks.Additive(AttentionMasks.Window(order, order, leftContext: (int)steps), validKeys, x.dtype));
    }

    // Student layout (the rules are in WindowedAttentionLayout, which computes who sees whom on the host): relative bias
    // among timeline tokens only, zero to and from the prompt, blocked pairs at AttentionMasks.Blocked.
    private (Tensor X, Tensor ScoreOffset) WindowedLayout(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds, int window)
    {
        long batch = audio.size(0), audioSteps = audio.size(1), p = prefixIds.size(0), q = suffixIds.size(0);
        var device = audio.device;
        var prefix = EmbedPrefix(prefixIds);
        var suffix = EmbedSuffix(suffixIds, p);
        var x = Concatenate([prefix.unsqueeze(0).expand(batch, -1, -1), audio, suffix.unsqueeze(0).expand(batch, -1, -1)], 1);

        var (blocked, distance) = WindowedAttentionLayout.ClipTensors((int)p, (int)audioSteps, (int)q, ToLongArray(audioLengths), window, device);
        var bias = functional.pad(audioBias!.ForDistances(distance), [p, 0, p, 0]);                       // (B, H, S, S)
        return (x, bias.masked_fill(blocked, AttentionMasks.BlockedScore));
    }

    /// <summary>Prefix tokens with their absolute positions 0..P−1: (P, D).</summary>
    private Tensor EmbedPrefix(Tensor prefixIds) =>
        tokenEmbedding.forward(prefixIds).Plus(positionEmbedding.forward(Positions(prefixIds.size(0), prefixIds.device)));

    /// <summary>Suffix tokens with their absolute positions P..P+Q−1: (Q, D).</summary>
    private Tensor EmbedSuffix(Tensor suffixIds, long prefixLength) =>
        tokenEmbedding.forward(suffixIds)
            .Plus(positionEmbedding.forward(Positions(prefixLength, prefixLength + suffixIds.size(0), suffixIds.device)));

    /// <summary>
    /// The prompt's keys and values per layer, the same for every stream (the prompt never sees the audio): run once per
    /// model and device and pass it to every <see cref="Step"/>.
    /// It reflects the weights as they are now.
    /// </summary>
    public KeyValueCache EncodePrompt(Tensor prefixIds)
    {
        RequireStreamable();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long p = prefixIds.size(0);
        var prompt = new KeyValueCache(blocks.Count, (int)p);
        var x = EmbedPrefix(prefixIds).unsqueeze(0);
        var mask = zeros(p, p, dtype: x.dtype, device: prefixIds.device).masked_fill(ones(p, p, dtype: @bool, device: prefixIds.device).tril().logical_not(), AttentionMasks.BlockedScore);
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            var result = blocks[layer].Forward(x, mask);
            x = result.Output;
            prompt.Append(layer, result.Keys, result.Values);
        }
        return prompt;
    }

    /// <summary>A fresh per-stream state for <see cref="Step"/>.</summary>
    public LanguageModelStreamState CreateStreamState()
    {
        RequireStreamable();
        return new LanguageModelStreamState(blocks.Count, Config.AudioWindow!.Value);
    }

    private void RequireStreamable()
    {
        if (!Config.IsStreamable)
            throw new InvalidOperationException("a full-context language model cannot run incrementally; use a streaming student");
    }

    /// <summary>
    /// Continues many streams in one pass: stream b's next n_b ≥ 0 audio embeddings (n_b, D) pass through the LM once
    /// (their keys and values join the stream's cache of the last W audio tokens), then the suffix reads the prompt
    /// (<paramref name="prompt"/>, from <see cref="EncodePrompt"/>) and that window. Returns the logits of each stream's
    /// last suffix position (B, V) — what <see cref="Forward"/> gives for the whole stream so far. Streams may differ in
    /// history and n_b.
    /// </summary>
    public Tensor Step(IReadOnlyList<Tensor> audio, Tensor suffixIds, KeyValueCache prompt, IReadOnlyList<LanguageModelStreamState> states)
    {
        int window = Config.AudioWindow ?? throw new InvalidOperationException("not a streaming language model");
        if (audio.Count != states.Count || audio.Count == 0)
            throw new ArgumentException("one audio tensor per stream state, at least one stream", nameof(audio));
        using var scope = NewDisposeScope();
        var device = suffixIds.device;
        int streams = states.Count;
        long q = suffixIds.size(0), p = prompt.Frames;
        var newCounts = audio.Select(a => a.size(0)).ToArray();
        long widest = newCounts.Max();

        // Queries, padded per stream: new audio rows 0..n_b−1 (padding up to max n), then the Q suffix rows.
        var suffix = EmbedSuffix(suffixIds, p).unsqueeze(0).expand(streams, -1, -1);
        var paddedAudio = Stack(audio.Select(a => functional.pad(a, [0, 0, 0, widest - a.size(0)])).ToArray());
        var x = Concatenate([paddedAudio, suffix], 1);                                                         // (B, n+Q, D)

        // Keys: prompt, cached audio (right-aligned, padded at the front), new audio (padded), suffix. Every layer caches
        // the same steps, so one mask and one bias serve all layers.
        var caches = states.Select(st => st.Cache).ToArray();
        long deepest = caches.Max(c => c.Frames);
        var (blocked, distance) = WindowedAttentionLayout.StepTensors((int)p, (int)q, newCounts, caches.Select(c => c.Frames).ToArray(), window, device);
        var scoreOffset = functional.pad(audioBias!.ForDistances(distance), [p, 0])
            .masked_fill(blocked, AttentionMasks.BlockedScore);                                           // (B, H, n+Q, p+m+n+Q)

        var freshKeys = new Tensor[streams, blocks.Count];
        var freshValues = new Tensor[streams, blocks.Count];
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            var promptKeys = prompt.Keys(layer)!.expand(streams, -1, -1, -1);
            var promptValues = prompt.Values(layer)!.expand(streams, -1, -1, -1);
            var (cachedKeys, cachedValues) = deepest == 0 ? (null, null) : KeyValueCache.LeftPadded(caches, layer, deepest);
            var pastKeys = cachedKeys is null ? promptKeys : Concatenate([promptKeys, cachedKeys], 2);
            var pastValues = cachedValues is null ? promptValues : Concatenate([promptValues, cachedValues], 2);
            var result = blocks[layer].Forward(x, scoreOffset, pastKeys: pastKeys, pastValues: pastValues);
            x = result.Output;
            for (int b = 0; b < streams; b++)
            {
                // Only the stream's new audio tokens join its cache, never the suffix.
                freshKeys[b, layer] = result.Keys.narrow(0, b, 1).narrow(2, 0, newCounts[b]);
                freshValues[b, layer] = result.Values.narrow(0, b, 1).narrow(2, 0, newCounts[b]);
            }
        }
        // Caches change only once every layer has run, so a failure leaves every stream as it was.
        for (int b = 0; b < streams; b++)
        {
            for (int layer = 0; layer < blocks.Count; layer++)
                caches[b].Append(layer, freshKeys[b, layer], freshValues[b, layer]);
            states[b].AudioTokens += newCounts[b];
        }
        return head.forward(finalNorm.forward(x.select(1, x.size(1) - 1))).MoveToOuterDisposeScope();
    }
}
