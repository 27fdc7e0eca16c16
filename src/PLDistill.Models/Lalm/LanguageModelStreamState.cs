namespace PLDistill.Models.Lalm;

/// <summary>
/// Everything one stream's windowed LM must remember between steps, on the model's device: per layer the keys and values
/// of the last W audio tokens. (The prompt's keys and values are the same for every stream: see
/// <see cref="LanguageModel.EncodePrompt"/>.) Bounded however long the stream runs.
/// </summary>
public sealed class LanguageModelStreamState : IDisposable
{
    internal LanguageModelStreamState(int layers, int window) => Cache = new KeyValueCache(layers, window);

    internal KeyValueCache Cache { get; }

    /// <summary>Audio tokens consumed so far; the timeline position of the next one.</summary>
    public long AudioTokens { get; internal set; }

    /// <summary>Bytes of device memory the state holds now.</summary>
    public long Bytes => Cache.Bytes;

    /// <inheritdoc />
    public void Dispose() => Cache.Dispose();
}
