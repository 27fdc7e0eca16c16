namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>
/// A text-outputs folder that cannot be used: a bad manifest line, a missing or malformed .npy file, shapes that disagree,
/// or values that are not what the format promises. The message names the file, the manifest line when there is one, and
/// the problem.
/// </summary>
public sealed class TextTeacherOutputsException : IOException
{
    /// <summary>Creates the exception for <paramref name="file"/> (at manifest <paramref name="line"/>, 1-based, when given).</summary>
    public TextTeacherOutputsException(string file, int? line, string problem, Exception? inner = null)
        : base(line is int number ? $"{file} line {number}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The manifest (or folder) the problem was found in.</summary>
    public string File { get; }

    /// <summary>The manifest line, 1-based, or null for a problem with the folder as a whole.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the file and line.</summary>
    public string Problem { get; }
}
