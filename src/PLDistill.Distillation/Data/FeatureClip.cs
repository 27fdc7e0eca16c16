using PLDistill.Audio.Data;

namespace PLDistill.Distillation.Data;

/// <summary>One clip's log-mel frames (row-major T × M), its class index and where it came from.</summary>
/// <param name="Features">T × M log-mel values.</param>
/// <param name="Frames">T.</param>
/// <param name="Label">Class index in the label set.</param>
/// <param name="Source">The RAVDESS clip.</param>
/// <param name="Speed">Speed-perturbation factor this variant was made with (1 = original).</param>
public sealed record FeatureClip(float[] Features, int Frames, int Label, RavdessClip Source, double Speed);
