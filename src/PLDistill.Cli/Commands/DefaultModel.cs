using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>A student ready to serve: the model and the settings its checkpoint carries.</summary>
internal sealed record LoadedStudent(AudioLanguageModel Model, LogMelOptions Features, StreamingParameters Streaming, EmotionLabelSet Labels,
                                     string Description, bool IsRandom);

/// <summary>Resolves <c>--checkpoint default</c> to the student checkpoint shipped with the program.</summary>
internal static class DefaultModel
{
    public const string Name = "default";

    /// <summary>Where the shipped student lives next to the program.</summary>
    public static string ShippedPath => Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt");

    public static string Resolve(string checkpoint) =>
        checkpoint != Name ? checkpoint
        : File.Exists(ShippedPath) ? ShippedPath
        : throw new FileNotFoundException($"no default model is shipped in this build (expected {ShippedPath}); pass --checkpoint PATH");

    /// <summary>
    /// Loads <paramref name="checkpoint"/> (a path or "default"). Where no default model is shipped, a seeded random student
    /// stands in and <see cref="LoadedStudent.IsRandom"/> says so: the pipeline runs, the estimates mean nothing.
    /// </summary>
    public static LoadedStudent LoadStudent(string checkpoint)
    {
        if (checkpoint == Name && !File.Exists(ShippedPath))
        {
            manual_seed(0);
            var random = new AudioLanguageModel(LalmConfig.Student);
            random.eval();
            return new LoadedStudent(random, new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight,
                "RANDOMLY INITIALISED student (no trained default model is shipped yet): estimates are meaningless", IsRandom: true);
        }
        string path = Resolve(checkpoint);
        var (model, metadata) = CheckpointFile.Load(path);
        string ua = metadata.Training.TryGetValue("validation_ua", out var value) ? $", validation UA {value}" : "";
        return new LoadedStudent(model, metadata.Features, metadata.Streaming, EmotionLabelSet.Parse(metadata.LabelSet),
            $"{path} ({metadata.Role}{ua})", IsRandom: false);
    }
}
