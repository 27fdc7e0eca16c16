namespace PLDistill.Distillation.Pad;

/// <summary>One paired utterance ready for PAD: its id (shared by the corpus and the text outputs) and log-mel frames (row-major T × M).</summary>
public sealed record PadClip(string Id, float[] Mel, int Frames);
