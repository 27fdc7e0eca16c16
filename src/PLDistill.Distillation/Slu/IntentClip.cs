using PLDistill.Distillation.Pad;

namespace PLDistill.Distillation.Slu;

/// <summary>A spoken command's log-mel frames and its intent's class index.</summary>
public sealed record IntentClip(PadClip Features, int Intent);
