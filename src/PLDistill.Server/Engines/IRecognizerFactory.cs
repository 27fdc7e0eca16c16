using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Inference;

namespace PLDistill.Server.Engines;

/// <summary>The model the server runs, and how to make a recognizer of it for one (hop, window, label set).</summary>
public interface IRecognizerFactory
{
    /// <summary>What the model is, for logs.</summary>
    string Description { get; }

    /// <summary>Rate of the mono audio the model reads.</summary>
    int SampleRate { get; }

    /// <summary>The checkpoint's hop and window.</summary>
    StreamingParameters Defaults { get; }

    /// <summary>The checkpoint's label set.</summary>
    EmotionLabelSet Labels { get; }

    /// <summary>Shortest window the model can serve (a windowed LM serves only the window it was trained with).</summary>
    double MinWindowSeconds { get; }

    /// <summary>Longest window the model can serve (a full-context LM's positions bound it).</summary>
    double MaxWindowSeconds { get; }

    /// <summary>A recognizer for up to <paramref name="maxStreams"/> streams; the caller owns it.</summary>
    IEmotionRecognizer Create(StreamingParameters streaming, EmotionLabelSet labels, int maxStreams);
}
