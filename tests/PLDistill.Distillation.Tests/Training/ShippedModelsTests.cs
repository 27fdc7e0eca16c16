using System.Globalization;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Evaluation;
using PLDistill.Distillation.Training;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Training;

/// <summary>The models shipped with the CLI: what they are, and on the shared RAVDESS copy, that they score what they record.</summary>
public sealed class ShippedModelsTests
{
    private static string ModelsFolder => Path.Combine(RepositoryFolder.Root(), "src", "PLDistill.Cli", "models");

    private static string StudentPath => Path.Combine(ModelsFolder, "default-student.pldckpt");

    private static string TeacherPath => Path.Combine(ModelsFolder, "teacher", "teacher.pldens");

    private static string DefaultConfigPath => Path.Combine(RepositoryFolder.Configs, "default-student.yaml");

    /// <summary>The teacher the default student's config distils from (config paths are relative to the repository root).</summary>
    private static string DefaultTeacherPath(TrainingConfig config) => Path.Combine(RepositoryFolder.Root(), config.Teacher!);

    [Fact]
    public void The_teacher_has_about_seven_times_the_students_parameters_and_reads_what_the_student_reads()
    {
        var (student, studentMetadata) = CheckpointFile.Load(StudentPath);
        var (teacher, teacherMetadata) = TeacherFile.Load(TeacherPath);
        using (student)
        using (teacher)
        {
            double ratio = (double)teacher.ParameterCount / student.ParameterCount;
            Assert.InRange(ratio, 6.5, 8.5);
            Assert.Equal(studentMetadata.Features, teacherMetadata.Features);
            Assert.Equal(studentMetadata.LabelSet, teacherMetadata.LabelSet);
            Assert.Equal(studentMetadata.Vocabulary, teacherMetadata.Vocabulary);
            Assert.Equal(student.Config.Encoder.Subsampling, teacher.Config.Encoder.Subsampling);
            Assert.True(student.Config.Encoder.IsStreamable && student.Config.LanguageModel.IsStreamable, "the default student must stream");
        }
    }

    [Fact]
    public void The_default_student_is_what_its_config_trains_from_a_shipped_teacher_seven_times_its_size()
    {
        var config = TrainingConfigFile.Load(DefaultConfigPath);
        var (student, metadata) = CheckpointFile.Load(StudentPath);
        using (student)
        {
            Assert.Equal(config.Name, metadata.Training["run"]);
            Assert.Equal(config.Method.ToString(), metadata.Training["method"]);
            Assert.Equal(config.Seed.ToString(CultureInfo.InvariantCulture), metadata.Training["seed"]);
            Assert.InRange(int.Parse(metadata.Training["epoch"], CultureInfo.InvariantCulture), 1, config.Training.Epochs);
            Assert.Equal(string.Join(",", config.Data.EvalActors), metadata.Training["validation_actors"]);
            Assert.Equal(config.ResolvedModel, student.Config);

            var (teacher, teacherMetadata) = TeacherFile.Load(DefaultTeacherPath(config));   // shipped in the repo, so the run can be remade
            using (teacher)
            {
                Assert.InRange((double)teacher.ParameterCount / student.ParameterCount, 6.5, 8.5);
                Assert.Equal(metadata.Vocabulary, teacherMetadata.Vocabulary);
                Assert.Equal(metadata.Features, teacherMetadata.Features);
            }
        }
    }

    [Fact]
    public void On_the_shared_ravdess_copy_the_shipped_models_score_what_their_checkpoints_record()
    {
        string? root = RavdessCorpus.FindSharedRoot();
        if (root is null)
            Assert.Skip($"shared RAVDESS data not found ({RavdessCorpus.SharedRelativePath} or ${RavdessCorpus.RootEnvironmentVariable})");
        var corpus = RavdessCorpus.Scan(root);

        var (student, metadata) = CheckpointFile.Load(StudentPath);
        using (student)
        {
            var labels = EmotionLabelSet.Parse(metadata.LabelSet);
            var clips = EvaluationClips(corpus, metadata, labels);
            double ua = Evaluator.Evaluate(student, clips, labels, CPU).UnweightedAccuracy;
            Assert.Equal(Recorded(metadata), ua, 4);   // the student ships in full precision: exactly what training measured
        }

        foreach (string teacherPath in new[] { TeacherPath, DefaultTeacherPath(TrainingConfigFile.Load(DefaultConfigPath)) })
            AssertTeacherScoresWhatItsMembersRecord(corpus, teacherPath);
    }

    [Fact]
    public void On_the_shared_ravdess_copy_the_default_student_in_bfloat16_scores_what_it_scores_in_float32_give_or_take_two_clips()
    {
        string? root = RavdessCorpus.FindSharedRoot();
        if (root is null)
            Assert.Skip($"shared RAVDESS data not found ({RavdessCorpus.SharedRelativePath} or ${RavdessCorpus.RootEnvironmentVariable})");
        var (student, metadata) = CheckpointFile.Load(StudentPath);
        using (student)
        {
            var labels = EmotionLabelSet.Parse(metadata.LabelSet);
            var clips = EvaluationClips(RavdessCorpus.Scan(root), metadata, labels);
            student.eval();
            var full = Evaluator.Evaluate(student, clips, labels, CPU);
            student.UsePrecision(InferencePrecision.BFloat16);
            var reduced = Evaluator.Evaluate(student, clips, labels, CPU);
            // Two clips of the smallest class (neutral, 16 clips) may change their answer.
            double twoClips = 2.0 / labels.Count / 16;
            Assert.InRange(reduced.UnweightedAccuracy, full.UnweightedAccuracy - twoClips - 1e-9, full.UnweightedAccuracy + twoClips + 1e-9);
            int changed = full.Confusion.Zip(reduced.Confusion).Sum(rows => rows.First.Zip(rows.Second).Sum(c => Math.Abs(c.First - c.Second))) / 2;
            Assert.True(changed <= 4, $"the float32 and bfloat16 confusion matrices differ by {changed} clips");
        }
    }

    private static void AssertTeacherScoresWhatItsMembersRecord(RavdessCorpus corpus, string teacherPath)
    {
        var (teacher, teacherMetadata) = TeacherFile.Load(teacherPath);
        using (teacher)
        {
            var labels = EmotionLabelSet.Parse(teacherMetadata.LabelSet);
            var clips = EvaluationClips(corpus, teacherMetadata, labels);
            // Members ship in half precision: allow one clip of the smallest class (neutral, 16 clips) to change its answer.
            double oneClip = 1.0 / labels.Count / 16;
            foreach (var (member, path) in teacher.Members.Zip(TeacherFile.ReadManifest(teacherPath)))
            {
                double ua = Evaluator.Evaluate(member, clips, labels, CPU).UnweightedAccuracy;
                double recorded = Recorded(CheckpointFile.ReadMetadata(path));
                Assert.InRange(ua, recorded - oneClip - 1e-9, recorded + oneClip + 1e-9);
            }
            double ensembleUa = Evaluator.Evaluate(teacher, clips, labels, CPU).UnweightedAccuracy;
            Assert.True(ensembleUa > 1.0 / labels.Count, $"the ensemble teacher is at chance ({ensembleUa:P1})");
        }
    }

    private static IReadOnlyList<FeatureClip> EvaluationClips(RavdessCorpus corpus, CheckpointMetadata metadata, EmotionLabelSet labels)
    {
        var actors = metadata.Training["validation_actors"].Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToHashSet();
        return FeatureBank.Build(corpus.Clips.Where(c => actors.Contains(c.Actor)), labels, metadata.Features);
    }

    private static double Recorded(CheckpointMetadata metadata) =>
        double.Parse(metadata.Training["validation_ua"], CultureInfo.InvariantCulture);
}
