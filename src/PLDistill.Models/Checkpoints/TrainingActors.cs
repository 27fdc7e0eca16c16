using System.Globalization;

namespace PLDistill.Models.Checkpoints;

/// <summary>Which RAVDESS actors' clips trained a model, as its checkpoint records them.</summary>
public static class TrainingActors
{
    /// <summary>The checkpoint's training-record key for the actors it trained on.</summary>
    public const string Key = "training_actors";

    /// <summary>The checkpoint's training-record key for the actors it was selected and scored on.</summary>
    public const string ValidationKey = "validation_actors";

    // RAVDESS numbers its actors 01-24.
    private static readonly int[] RavdessActors = [.. Enumerable.Range(1, 24)];

    /// <summary>
    /// The actors whose clips trained the model: its <see cref="Key"/> record, or, in checkpoints written before that was
    /// kept, every RAVDESS actor outside its <see cref="ValidationKey"/> (the trainer always trained on the others, so
    /// this errs towards "trained on it"); null when the checkpoint records neither (made elsewhere).
    /// </summary>
    public static IReadOnlySet<int>? Of(CheckpointMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Training.TryGetValue(Key, out var trained))
            return Parse(trained);
        if (metadata.Training.TryGetValue(ValidationKey, out var validation) && Parse(validation) is { } heldOut)
            return RavdessActors.Where(actor => !heldOut.Contains(actor)).ToHashSet();
        return null;
    }

    /// <summary>"1,2,17" as a record writes it.</summary>
    public static string Format(IEnumerable<int> actors) => string.Join(",", actors.Order());

    /// <summary>"01-16" or "01, 05, 09": actors as people read them.</summary>
    public static string Describe(IEnumerable<int> actors)
    {
        int[] sorted = [.. actors.Order()];
        bool contiguous = sorted.Length > 2 && sorted[^1] - sorted[0] == sorted.Length - 1;
        return contiguous ? $"{sorted[0]:00}-{sorted[^1]:00}" : string.Join(", ", sorted.Select(a => a.ToString("00", CultureInfo.InvariantCulture)));
    }

    private static HashSet<int>? Parse(string text)
    {
        var actors = new HashSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int actor))
                return null;
            actors.Add(actor);
        }
        return actors.Count == 0 ? null : actors;
    }
}
