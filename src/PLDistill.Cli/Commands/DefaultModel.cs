using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>A student ready to serve: the model and the settings its checkpoint carries.</summary>
internal sealed record LoadedStudent(AudioLanguageModel Model, LogMelOptions Features, StreamingParameters Streaming, EmotionLabelSet Labels,
                                     string Description, bool IsRandom);

/// <summary>Resolves <c>--checkpoint default</c> (and <c>teacher</c>) to the checkpoints shipped with the program.</summary>
internal static class DefaultModel
{
    public const string Name = "default";

    /// <summary>The name of the shipped teacher, for re-running its evaluation.</summary>
    public const string TeacherName = "teacher";

    /// <summary>Where the shipped student lives next to the program.</summary>
    public static string ShippedPath => Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt");

    /// <summary>Where the shipped teacher (an ensemble manifest; its members in half precision beside it) lives next to the program.</summary>
    public static string ShippedTeacherPath => Path.Combine(AppContext.BaseDirectory, "models", "teacher", "teacher.pldens");

    public static string Resolve(string checkpoint) => checkpoint switch
    {
        Name => File.Exists(ShippedPath) ? ShippedPath
            : throw new FileNotFoundException($"no default model is shipped in this build (expected {ShippedPath}); pass --checkpoint PATH"),
        TeacherName => File.Exists(ShippedTeacherPath) ? ShippedTeacherPath
            : throw new FileNotFoundException($"no teacher is shipped in this build (expected {ShippedTeacherPath}); pass --checkpoint PATH"),
        _ => checkpoint,
    };

    /// <summary>
    /// Loads <paramref name="checkpoint"/> (a path or "default"). Where no default model is shipped, a seeded random student
    /// stands in and <see cref="LoadedStudent.IsRandom"/> says so: the pipeline runs, the estimates mean nothing.
    /// The model comes in eval mode, in <paramref name="precision"/>.
    /// </summary>
    public static LoadedStudent LoadStudent(string checkpoint, InferencePrecision precision = InferencePrecision.Float32)
    {
        if (checkpoint == Name && !File.Exists(ShippedPath))
        {
            manual_seed(0);
            var random = new AudioLanguageModel(LalmConfig.Student);
            random.eval();
            random.UsePrecision(precision);
            return new LoadedStudent(random, new LogMelOptions(), new StreamingParameters(), EmotionLabelSet.Eight,
                "RANDOMLY INITIALISED student (no trained default model is shipped yet): estimates are meaningless", IsRandom: true);
        }
        string path = Resolve(checkpoint);
        if (TeacherFile.IsManifest(path))
            throw new ArgumentException($"{path} is an ensemble manifest (a teacher); this command runs one student checkpoint (.pldckpt)");
        var (model, metadata) = CheckpointFile.Load(path);
        model.eval();
        model.UsePrecision(precision);
        string ua = metadata.Training.TryGetValue("validation_ua", out var value) ? $", validation UA {value}" : "";
        return new LoadedStudent(model, metadata.Features, metadata.Streaming, EmotionLabelSet.Parse(metadata.LabelSet),
            $"{path} ({metadata.Role}{ua})", IsRandom: false);
    }
}
