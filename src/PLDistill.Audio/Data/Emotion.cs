namespace PLDistill.Audio.Data;

/// <summary>The eight RAVDESS emotions; the numeric value is the code in the file name (EE).</summary>
public enum Emotion
{
    /// <summary>01</summary>
    Neutral = 1,
    /// <summary>02</summary>
    Calm = 2,
    /// <summary>03</summary>
    Happy = 3,
    /// <summary>04</summary>
    Sad = 4,
    /// <summary>05</summary>
    Angry = 5,
    /// <summary>06</summary>
    Fearful = 6,
    /// <summary>07</summary>
    Disgust = 7,
    /// <summary>08</summary>
    Surprised = 8,
}
