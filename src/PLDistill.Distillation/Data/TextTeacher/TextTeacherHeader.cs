namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>The first line of a text-outputs manifest: which model made the outputs and the sizes every utterance shares.</summary>
/// <param name="Model">The text model's name, e.g. "bert-base-uncased" (informative), or null.</param>
/// <param name="FeatureLayer">Which hidden state the features are, 0 being the embeddings as in Hugging Face's
/// <c>hidden_states</c> (informative), or null.</param>
/// <param name="Width">D: the width of every token vector.</param>
/// <param name="Layers">L: attention layers per utterance, 0 when the folder has no attention.</param>
/// <param name="Heads">H: heads per layer, 0 when the folder has no attention.</param>
public sealed record TextTeacherHeader(string? Model, int? FeatureLayer, int Width, int Layers, int Heads)
{
    /// <summary>Whether every utterance has an (L, H, T, T) attention file.</summary>
    public bool HasAttention => Layers > 0;
}
