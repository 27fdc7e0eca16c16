namespace PLDistill.Distillation.Losses;

/// <summary>
/// Which teacher-LM attention gives AwCKA its time-step weights: the attention that the chosen query positions pay to each
/// audio position, averaged over the chosen layers and heads, then renormalised to sum 1 over the clip's audio.
/// </summary>
public sealed record AttentionSource
{
    /// <summary>LM layers to average; negative counts from the end (-1 = last). Default: the last layer.</summary>
    public IReadOnlyList<int> Layers { get; init; } = [-1];

    /// <summary>Heads to average; empty = all heads.</summary>
    public IReadOnlyList<int> Heads { get; init; } = [];

    /// <summary>Which queries look at the audio.</summary>
    public AttentionQueries Queries { get; init; } = AttentionQueries.Answer;
}

/// <summary>Query positions whose attention onto the audio is used.</summary>
public enum AttentionQueries
{
    /// <summary>Only the position that predicts the answer (the last one): "where did the model look to decide".</summary>
    Answer,
    /// <summary>All text positions after the audio.</summary>
    Suffix,
}
