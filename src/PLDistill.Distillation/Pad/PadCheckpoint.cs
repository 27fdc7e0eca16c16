using System.Globalization;
using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Distillation.Pad;

/// <summary>Saves a PAD-aligned student as an ordinary student checkpoint, usable as <c>initialize:</c> of <c>pld distill</c>.</summary>
public static class PadCheckpoint
{
    /// <summary>Role written into checkpoints of PAD-aligned students.</summary>
    public const string Role = "student";

    /// <summary>
    /// Writes the whole <paramref name="model"/> (its language model unchanged) to <paramref name="path"/>. The metadata of
    /// the checkpoint it started from is kept where there was one (labels, prompts, streaming); PAD's settings and results
    /// are added to its training record.
    /// </summary>
    public static void Save(string path, AudioLanguageModel model, CheckpointMetadata? initial, LogMelOptions features,
                            PadTrainingOptions options, PadTrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var training = new Dictionary<string, string>(initial?.Training ?? new Dictionary<string, string>())
        {
            ["pad_variant"] = options.Loss.Variant.ToString(),
            ["pad_priors"] = options.Loss.UsePriors ? "true" : "false",
            ["pad_prior_layers"] = string.Join(",", options.Loss.PriorLayers),
            ["pad_epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["pad_seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["pad_final_valid_loss"] = (result.Epochs.Count > 0 ? result.Epochs[^1].ValidLoss : result.InitialValidLoss).ToString("F4", CultureInfo.InvariantCulture),
            ["pad_test_recall_at_1"] = result.After.RecallAt1.ToString("F4", CultureInfo.InvariantCulture),
            ["pad_test_recall_at_5"] = result.After.RecallAt5.ToString("F4", CultureInfo.InvariantCulture),
        };
        var metadata = initial is not null
            ? initial with { Model = model.Config, Features = features, Training = training }
            : new CheckpointMetadata
            {
                Role = Role,
                Model = model.Config,
                Features = features,
                LabelSet = EmotionLabelSet.Eight.Name,
                Vocabulary = model.Vocabulary.Tokens,
                PromptPrefix = TextVocabulary.DefaultPrefix,
                PromptSuffix = TextVocabulary.DefaultSuffix,
                Streaming = new StreamingParameters { LeftContextFrames = model.Config.Encoder.LeftContextFrames ?? 0 },
                Training = training,
            };
        CheckpointFile.Save(path, model, metadata);
    }
}
