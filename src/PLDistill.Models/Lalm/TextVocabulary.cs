using PLDistill.Audio.Data;

namespace PLDistill.Models.Lalm;

/// <summary>
/// The small text vocabulary teacher and student share: special tokens, the prompt's words and the emotion words.
/// The prompt reads <c>&lt;bos&gt; what emotion does the speaker express ? &lt;audio&gt; [audio] &lt;/audio&gt; answer :</c>
/// and the model answers with one emotion word as the next token.
/// </summary>
public sealed class TextVocabulary
{
    /// <summary>Padding.</summary>
    public const string Pad = "<pad>";
    /// <summary>Start of sequence.</summary>
    public const string Bos = "<bos>";
    /// <summary>End of sequence.</summary>
    public const string Eos = "<eos>";
    /// <summary>Marks where audio embeddings begin.</summary>
    public const string AudioStart = "<audio>";
    /// <summary>Marks where audio embeddings end.</summary>
    public const string AudioEnd = "</audio>";

    /// <summary>Words before the audio.</summary>
    public static readonly IReadOnlyList<string> DefaultPrefix = [Bos, "what", "emotion", "does", "the", "speaker", "express", "?", AudioStart];

    /// <summary>Words after the audio; the next token after the last one is the answer.</summary>
    public static readonly IReadOnlyList<string> DefaultSuffix = [AudioEnd, "answer", ":"];

    private readonly Dictionary<string, int> ids;

    /// <summary>The shared vocabulary: specials, prompt words, all eight emotion words.</summary>
    public static TextVocabulary Default { get; } = new(
        new[] { Pad, Bos, Eos, AudioStart, AudioEnd }
            .Concat(DefaultPrefix.Concat(DefaultSuffix).Where(w => !w.StartsWith('<')))
            .Concat(EmotionLabelSet.Eight.Words)
            .Distinct()
            .ToArray());

    /// <summary>A vocabulary over <paramref name="tokens"/> (distinct), ids in that order.</summary>
    public TextVocabulary(IReadOnlyList<string> tokens)
    {
        Tokens = tokens.ToArray();
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Tokens.Count; i++)
        {
            if (!ids.TryAdd(Tokens[i], i))
                throw new ArgumentException($"token '{Tokens[i]}' appears twice", nameof(tokens));
        }
    }

    /// <summary>Tokens in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Number of tokens.</summary>
    public int Count => Tokens.Count;

    /// <summary>The id of <paramref name="token"/>.</summary>
    /// <exception cref="KeyNotFoundException">The token is not in the vocabulary; the message names it.</exception>
    public int Id(string token) => ids.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"token '{token}' is not in the vocabulary");

    /// <summary>The id of <paramref name="token"/>, if it is in the vocabulary.</summary>
    public bool TryGetId(string token, out int id) => ids.TryGetValue(token, out id);

    /// <summary>Ids of several tokens.</summary>
    public long[] Ids(IEnumerable<string> tokens) => tokens.Select(t => (long)Id(t)).ToArray();

    /// <summary>Ids of the answer words of <paramref name="labels"/>, in class order.</summary>
    public long[] AnswerIds(EmotionLabelSet labels) => Ids(labels.Words);
}
