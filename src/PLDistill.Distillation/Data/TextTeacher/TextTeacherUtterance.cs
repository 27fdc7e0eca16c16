using PLDistill.Distillation.Data.Npy;

namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>One utterance of a text-outputs folder: its transcript, the model's tokens, and where their vectors and attention are.</summary>
/// <param name="Id">The utterance's id, unique in the folder (e.g. the audio clip's file stem).</param>
/// <param name="Text">The transcript the text model was given.</param>
/// <param name="Tokens">The model's T tokens, one per feature row, special tokens included if they were exported.</param>
/// <param name="Features">The validated header of the (T, D) features file.</param>
/// <param name="Attention">The validated header of the (L, H, T, T) attention file, or null when the folder has none.</param>
/// <param name="Line">The manifest line (1-based) it was read from, for error messages.</param>
public sealed record TextTeacherUtterance(string Id, string Text, IReadOnlyList<string> Tokens, NpyHeader Features, NpyHeader? Attention, int Line)
{
    /// <summary>T: tokens, and rows of the features.</summary>
    public int Steps => Tokens.Count;
}
