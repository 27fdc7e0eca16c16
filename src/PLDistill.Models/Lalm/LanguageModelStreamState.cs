using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Everything one stream's windowed LM must remember between steps, on the model's device: the prompt's keys and values
/// per layer (computed once), and per layer the keys and values of the last W audio tokens. Bounded however long the
/// stream runs.
/// </summary>
public sealed class LanguageModelStreamState : IDisposable
{
    internal LanguageModelStreamState(int layers)
    {
        PromptKeys = new Tensor?[layers];
        PromptValues = new Tensor?[layers];
        Keys = new Tensor?[layers];
        Values = new Tensor?[layers];
    }

    internal Tensor?[] PromptKeys { get; }   // per layer (1, H, P, d)
    internal Tensor?[] PromptValues { get; }
    internal Tensor?[] Keys { get; }         // per layer (1, H, ≤ W, d)
    internal Tensor?[] Values { get; }

    /// <summary>Audio tokens consumed so far; the timeline position of the next one.</summary>
    public long AudioTokens { get; internal set; }

    /// <summary>Bytes of device memory the state holds now.</summary>
    public long Bytes => PromptKeys.Concat(PromptValues).Concat(Keys).Concat(Values).Sum(t => t is null ? 0 : t.numel() * t.element_size());

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in PromptKeys.Concat(PromptValues).Concat(Keys).Concat(Values))
            t?.Dispose();
    }
}
