namespace PLDistill.Audio.Formats;

/// <summary>
/// Audio input that cannot be decoded. The message always names the input (a path, "stdin", a stream id)
/// and the problem, e.g. <c>clip.wav: data chunk declares 96000 bytes but only 1200 remain</c>.
/// </summary>
public sealed class AudioFormatException : Exception
{
    /// <summary>Creates an exception for <paramref name="inputName"/> with a human-readable <paramref name="detail"/>.</summary>
    public AudioFormatException(string inputName, AudioFormatProblem problem, string detail, Exception? inner = null)
        : base($"{inputName}: {detail}", inner)
    {
        InputName = inputName;
        Problem = problem;
        Detail = detail;
    }

    /// <summary>The input the problem was found in.</summary>
    public string InputName { get; }

    /// <summary>The kind of problem.</summary>
    public AudioFormatProblem Problem { get; }

    /// <summary>The description without the input name.</summary>
    public string Detail { get; }
}
