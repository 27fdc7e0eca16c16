namespace PLDistill.Audio.Data;

/// <summary>
/// The classes a model predicts, in output order. Emotions outside the set are not classes: clips carrying them
/// are left out of training and evaluation under that set (the 4-class view drops calm, fearful, disgust, surprised).
/// </summary>
public sealed class EmotionLabelSet
{
    /// <summary>All eight RAVDESS emotions.</summary>
    public static readonly EmotionLabelSet Eight = new("ravdess8",
        [Emotion.Neutral, Emotion.Calm, Emotion.Happy, Emotion.Sad, Emotion.Angry, Emotion.Fearful, Emotion.Disgust, Emotion.Surprised]);

    /// <summary>The common 4-class view: neutral, happy, sad, angry.</summary>
    public static readonly EmotionLabelSet Four = new("ravdess4", [Emotion.Neutral, Emotion.Happy, Emotion.Sad, Emotion.Angry]);

    private readonly int[] indexByCode = Enumerable.Repeat(-1, 9).ToArray();

    /// <summary>A label set over <paramref name="emotions"/> (distinct), in that order.</summary>
    public EmotionLabelSet(string name, IReadOnlyList<Emotion> emotions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (emotions.Count < 2)
            throw new ArgumentException("a label set needs at least two emotions", nameof(emotions));
        for (int i = 0; i < emotions.Count; i++)
        {
            if (!Enum.IsDefined(emotions[i]))
                throw new ArgumentOutOfRangeException(nameof(emotions), emotions[i], "unknown emotion");
            if (indexByCode[(int)emotions[i]] >= 0)
                throw new ArgumentException($"{emotions[i]} appears twice", nameof(emotions));
            indexByCode[(int)emotions[i]] = i;
        }
        Name = name;
        Emotions = emotions.ToArray();
        Words = Emotions.Select(e => e.ToString().ToLowerInvariant()).ToArray();
    }

    /// <summary>A stable identifier stored in checkpoints ("ravdess8", "ravdess4").</summary>
    public string Name { get; }

    /// <summary>The classes in output order.</summary>
    public IReadOnlyList<Emotion> Emotions { get; }

    /// <summary>Lower-case emotion words in output order ("neutral", "calm", ...), the words the language model answers with.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Number of classes.</summary>
    public int Count => Emotions.Count;

    /// <summary>The class index of <paramref name="emotion"/>, or null when the set leaves it out.</summary>
    public int? IndexOf(Emotion emotion)
    {
        int code = (int)emotion;
        return code is >= 1 and <= 8 && indexByCode[code] >= 0 ? indexByCode[code] : null;
    }

    /// <summary>Parses "8", "4", "ravdess8" or "ravdess4".</summary>
    /// <exception cref="ArgumentException">Any other text; the message lists the valid names.</exception>
    public static EmotionLabelSet Parse(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "8" or "ravdess8" => Eight,
        "4" or "ravdess4" => Four,
        _ => throw new ArgumentException($"unknown label set '{text}': use 8 or 4 (ravdess8, ravdess4)", nameof(text)),
    };

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({string.Join(", ", Words)})";
}
