using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Models.Checkpoints;

/// <summary>Everything needed to rebuild and run a model, stored as JSON in the checkpoint's header.</summary>
public sealed record CheckpointMetadata
{
    /// <summary>"teacher" or "student".</summary>
    public required string Role { get; init; }

    /// <summary>Model shape.</summary>
    public required LalmConfig Model { get; init; }

    /// <summary>Front-end settings the model was trained with.</summary>
    public required LogMelOptions Features { get; init; }

    /// <summary>Label set name ("ravdess8", "ravdess4").</summary>
    public required string LabelSet { get; init; }

    /// <summary>The vocabulary, in id order.</summary>
    public required IReadOnlyList<string> Vocabulary { get; init; }

    /// <summary>Prompt tokens before the audio.</summary>
    public required IReadOnlyList<string> PromptPrefix { get; init; }

    /// <summary>Prompt tokens after the audio.</summary>
    public required IReadOnlyList<string> PromptSuffix { get; init; }

    /// <summary>How to stream it.</summary>
    public required StreamingParameters Streaming { get; init; }

    /// <summary>How it was trained: method, seed, epoch, validation metrics; free-form strings for the record.</summary>
    public IReadOnlyDictionary<string, string> Training { get; init; } = new Dictionary<string, string>();
}
