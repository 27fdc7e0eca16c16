using PLDistill.Distillation.Losses;
using PLDistill.Distillation.Training;

namespace PLDistill.Distillation.Tests.Training;

/// <summary><c>extends:</c> in training configs: a file's keys over its base's, errors naming the file and line.</summary>
public sealed class ConfigInheritanceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-config-inheritance-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string relativePath, string yaml)
    {
        string path = Path.Combine(folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Base = """
        name: base
        role: student
        method: pl_distill
        teacher: teachers/t.pldens
        seed: 42
        training: { epochs: 40, batch_size: 32, learning_rate: 0.001 }
        augmentation: { speeds: [0.9, 1.0, 1.1], noise_probability: 0.5 }
        loss:
          alpha: 1.0
          temperature: 2.0
          attention: { layers: [-1], heads: [], queries: answer }
        """;

    [Fact]
    public void A_file_keeps_its_bases_settings_and_replaces_only_what_it_names()
    {
        Write("base.yaml", Base);
        string child = Write("child.yaml", """
            # a comment before the key
            extends: base.yaml
            name: child
            training: { epochs: 60 }
            augmentation: { speeds: [1.0] }
            loss:
              attention: { queries: suffix }
            """);

        var config = TrainingConfigFile.Load(child);

        Assert.Equal("child", config.Name);
        Assert.Equal(DistillationMethod.PlDistill, config.Method);
        Assert.Equal("teachers/t.pldens", config.Teacher);
        Assert.Equal(60, config.Training.Epochs);
        Assert.Equal(32, config.Training.BatchSize);                 // a sibling of a replaced key stays
        Assert.Equal([1.0], config.Augmentation.Speeds);              // a list is replaced whole, not merged
        Assert.Equal(0.5, config.Augmentation.NoiseProbability);
        Assert.Equal(AttentionQueries.Suffix, config.Loss.Attention.Queries);
        Assert.Equal([-1], config.Loss.Attention.Layers);             // merged two levels down
        Assert.Equal(2.0, config.Loss.Temperature);
    }

    [Fact]
    public void Bases_chain_relative_to_the_file_that_names_them_and_null_removes_a_value()
    {
        Write("shared/base.yaml", Base);
        Write("shared/middle.yaml", "extends: base.yaml\nname: middle\nseed: 7\n");
        string child = Write("rows/child.yaml", "extends: ../shared/middle.yaml\nname: child\nmethod: none\nteacher: null\n");

        var config = TrainingConfigFile.Load(child);

        Assert.Equal("child", config.Name);
        Assert.Equal(7, config.Seed);
        Assert.Equal(DistillationMethod.None, config.Method);
        Assert.Null(config.Teacher);
        Assert.Equal(40, config.Training.Epochs);
    }

    [Fact]
    public void An_unknown_key_is_reported_with_its_own_file_and_line()
    {
        Write("base.yaml", Base);
        string child = Write("child.yaml", "extends: base.yaml\nname: child\ntraining: { epochz: 60 }\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith($"{child}: line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("epochz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_section_in_a_file_is_reported_with_its_own_file_and_line()
    {
        Write("base.yaml", Base);
        string child = Write("child.yaml", "extends: base.yaml\nname: child\naugmentation:\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith($"{child}: line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'augmentation' is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_key_in_a_file_that_extends_is_reported_as_such()
    {
        // The reader of extends took the repeated key for malformed text without a base: "Property 'extends' not found".
        Write("base.yaml", Base);
        string child = Write("child.yaml", "extends: base.yaml\nname: a\nname: b\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith($"{child}: line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("uplicate key name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_key_in_a_base_names_the_base()
    {
        string middle = Write("middle.yaml", "name: m\nmethod: sorcery\n");
        string child = Write("child.yaml", "extends: middle.yaml\nname: child\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith($"{middle}: line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("sorcery", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_invalid_merged_config_names_the_file_and_its_bases()
    {
        Write("base.yaml", "name: b\nmethod: none\n");
        string child = Write("child.yaml", "extends: base.yaml\nname: c\nmethod: ldist\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.Contains($"{child} (extending {Path.Combine(folder, "base.yaml")})", error.Message, StringComparison.Ordinal);
        Assert.Contains("teacher", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_base_is_named()
    {
        string child = Write("child.yaml", "extends: nowhere.yaml\nname: c\n");

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith(child, error.Message, StringComparison.Ordinal);
        Assert.Contains("base config not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere.yaml", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.yaml", "extends: a.yaml\nname: a\n", null, null)]
    [InlineData("a.yaml", "extends: b.yaml\nname: a\n", "b.yaml", "extends: a.yaml\nname: b\n")]
    public void A_cycle_of_bases_is_refused_not_followed_forever(string start, string startYaml, string? other, string? otherYaml)
    {
        string path = Write(start, startYaml);
        if (other is not null)
            Write(other, otherYaml!);

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(path));

        Assert.Contains("returns to a file already read", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("extends: [a.yaml, b.yaml]\nname: c\n", "must name one config file")]
    [InlineData("extends:\nname: c\n", "must name one config file")]
    [InlineData("extends: null\nname: c\n", "must name one config file")]
    [InlineData("{ extends: base.yaml, name: c }\n", "on a line of its own")]
    public void Extends_must_name_one_file_on_a_line_of_its_own(string yaml, string expected)
    {
        Write("base.yaml", Base);
        string child = Write("child.yaml", yaml);

        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load(child));

        Assert.StartsWith($"{child}: line 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_without_a_file_cannot_extend()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse("name: x\nextends: base.yaml\n", "inline"));

        Assert.Equal("inline: line 2: extends works in a config file only (its base is found beside it)", error.Message);
    }

    [Fact]
    public void The_resolved_config_has_no_extends_and_reads_back_alone()
    {
        Write("base.yaml", Base);
        string child = Write("child.yaml", "extends: base.yaml\nname: child\nseed: 3\n");

        string resolved = TrainingConfigFile.ToYaml(TrainingConfigFile.Load(child));
        var again = TrainingConfigFile.Parse(resolved, "resolved");

        Assert.DoesNotContain("extends", resolved, StringComparison.Ordinal);
        Assert.Equal(3, again.Seed);
        Assert.Equal("teachers/t.pldens", again.Teacher);
    }

    [Theory]
    [InlineData("born-again-student.yaml", "heavy-student-pl-distill.yaml")]
    [InlineData("born-again-7-student.yaml", "heavy-student-pl-distill.yaml")]
    [InlineData("born-again-7-student-pdist-cka.yaml", "heavy-student-pdist-cka.yaml")]
    public void A_shipped_born_again_row_differs_from_its_base_row_in_name_and_teacher_only(string row, string baseRow)
    {
        var rowConfig = TrainingConfigFile.Load(Path.Combine(RepositoryFolder.Configs, row));
        var baseConfig = TrainingConfigFile.Load(Path.Combine(RepositoryFolder.Configs, baseRow));
        Assert.NotEqual(baseConfig.Teacher, rowConfig.Teacher);

        rowConfig.Name = baseConfig.Name;
        rowConfig.Teacher = baseConfig.Teacher;

        Assert.Equal(TrainingConfigFile.ToYaml(baseConfig), TrainingConfigFile.ToYaml(rowConfig));
    }
}
