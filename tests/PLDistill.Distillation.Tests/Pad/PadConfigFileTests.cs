using PLDistill.Distillation.Losses.Pad;
using PLDistill.Distillation.Pad;

namespace PLDistill.Distillation.Tests.Pad;

public sealed class PadConfigFileTests
{
    [Fact]
    public void A_pad_config_file_can_extend_another_as_training_configs_do()
    {
        var folder = Directory.CreateTempSubdirectory("pld-pad-config-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "base.yaml"), "loss: { variant: global, anchors: 8 }\nepochs: 4\nseed: 1\n");
            string child = Path.Combine(folder.FullName, "child.yaml");
            File.WriteAllText(child, "extends: base.yaml\nloss: { variant: span_local }\nseed: 3\n");

            var options = PadConfigFile.Load(child);

            Assert.Equal(PadVariant.SpanLocal, options.Loss.Variant);
            Assert.Equal(8, options.Loss.Anchors);
            Assert.Equal((4, 3), (options.Epochs, options.Seed));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Reads_every_setting_in_snake_case()
    {
        var options = PadConfigFile.Parse("""
            loss: { variant: span_local, use_priors: false, prior_layers: [0, -1], anchors: 4, span_widths: [1, 3] }
            epochs: 7
            seed: 9
            batch_size: 8
            learning_rate: 0.001
            weight_decay: 0.1
            grad_clip: 2.5
            """, "test.yaml");

        Assert.Equal(PadVariant.SpanLocal, options.Loss.Variant);
        Assert.False(options.Loss.UsePriors);
        Assert.Equal([0, -1], options.Loss.PriorLayers);
        Assert.Equal(4, options.Loss.Anchors);
        Assert.Equal([1, 3], options.Loss.SpanWidths);
        Assert.Equal((7, 9, 8), (options.Epochs, options.Seed, options.BatchSize));
        Assert.Equal((0.001, 0.1, 2.5), (options.LearningRate, options.WeightDecay, options.GradClip));
    }

    [Fact]
    public void Every_shipped_pad_config_is_valid_and_names_a_variant()
    {
        string configs = RepositoryFolder.Configs;
        string[] files = Directory.GetFiles(configs, "pad-*.yaml");
        Assert.True(files.Length >= 5, $"expected the five PAD rows' configs in {configs}, found {files.Length}");
        Assert.All(files, file => Assert.NotEqual(PadVariant.None, PadConfigFile.Load(file).Loss.Variant));
    }

    [Theory]
    [InlineData("epoch: 3", "epoch")]
    [InlineData("loss: { variant: sideways }", "Sideways")]
    [InlineData("epochs: many", "line 1")]
    [InlineData("loss: { variant: global }\nbatch_size: 0", "batch size 0")]
    [InlineData("loss: { variant: none }", "needs a variant")]
    public void A_bad_config_is_an_error_naming_the_file_and_the_problem(string yaml, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PadConfigFile.Parse(yaml, "bad.yaml"));
        Assert.StartsWith("bad.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loss: { variant: global, span_widths: ~ }", "'span_widths' is empty")]
    [InlineData("loss: { variant: global, prior_layers: ~ }", "'prior_layers' is empty")]
    [InlineData("loss: ~", "'loss' is empty")]
    public void An_empty_setting_is_refused_naming_its_key(string yaml, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PadConfigFile.Parse(yaml, "bad.yaml"));
        Assert.StartsWith("bad.yaml: line 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_reported_as_such() =>
        Assert.Throws<FileNotFoundException>(() => PadConfigFile.Load(Path.Combine(Path.GetTempPath(), "no-such-pad-config.yaml")));
}
