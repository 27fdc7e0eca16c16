using System.Text.Json;
using PLDistill.Distillation.Data.Npy;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Models.Text;
using static TorchSharp.torch;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// Runs a trained <see cref="TextEncoder"/> over transcripts and writes its outputs as a "pldistill-text-outputs" version 1
/// folder (see <see cref="TextTeacherOutputs"/>): per utterance the tokens [CLS] … [SEP], the hidden states of one layer
/// (T, D) and the attention maps of every layer (L, H, T, T), float32.
/// </summary>
/// <remarks>
/// Utterances run one at a time (batch 1, no padding), in eval mode without gradients. The manifest is written under a
/// temporary name and renamed last, so an interrupted export leaves no folder that <see cref="TextTeacherOutputs.Open"/>
/// would accept.
/// </remarks>
public static class TextTeacherExporter
{
    /// <summary>The header's "model" value unless the caller names the model.</summary>
    public const string DefaultModelName = "pldistill-word-mlm";

    /// <summary>
    /// Writes the outputs of <paramref name="encoder"/> for <paramref name="utterances"/> (id, transcript) into
    /// <paramref name="folder"/>, which must be absent or empty. <paramref name="featureLayer"/> picks the hidden state
    /// (0 the embeddings, L the final one, the default; see <see cref="TextEncoderOutput.HiddenStates"/>).
    /// </summary>
    /// <returns>The number of utterances written.</returns>
    /// <exception cref="ArgumentException">The folder is not empty, the layer is out of range, no utterances, or an id repeats.</exception>
    public static int Export(TextEncoder encoder, WordTokenizer tokenizer, IEnumerable<(string Id, string Text)> utterances,
                             string folder, int? featureLayer = null, string model = DefaultModelName)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(utterances);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var config = encoder.Config;
        if (tokenizer.Count != config.VocabularySize)
            throw new ArgumentException($"the tokenizer has {tokenizer.Count} tokens but the encoder's vocabulary is {config.VocabularySize}");
        int layer = featureLayer ?? config.Layers;
        if (layer < 0 || layer > config.Layers)
            throw new ArgumentOutOfRangeException(nameof(featureLayer), layer, $"the feature layer must lie in 0 … {config.Layers} (0: embeddings, {config.Layers}: final)");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new ArgumentException($"the output folder {folder} is not empty; choose a new one");
        Directory.CreateDirectory(Path.Combine(folder, "features"));
        Directory.CreateDirectory(Path.Combine(folder, "attention"));

        string manifest = Path.Combine(folder, TextTeacherOutputs.ManifestFileName);
        string temporary = manifest + ".partial";
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        encoder.eval();
        using (var stream = File.Create(temporary))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["format"] = TextTeacherOutputs.FormatName, ["version"] = TextTeacherOutputs.FormatVersion, ["model"] = model,
                ["feature_layer"] = layer, ["width"] = config.Width, ["layers"] = config.Layers, ["heads"] = config.Heads,
            }));
            using var noGrad = no_grad();
            foreach (var (id, text) in utterances)
            {
                if (!ids.Add(id))
                    throw new ArgumentException($"utterance id '{id}' appears twice");
                int[] encoded = tokenizer.Encode(text, config.MaxPositions);
                string name = $"{count:D6}.npy";   // ids may hold any character; file names stay plain
                WriteUtterance(encoder, encoded, layer, Path.Combine(folder, "features", name), Path.Combine(folder, "attention", name));
                writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["id"] = id, ["text"] = text, ["tokens"] = tokenizer.Decode(encoded),
                    ["features"] = $"features/{name}", ["attention"] = $"attention/{name}",
                }));
                count++;
            }
        }
        if (count == 0)
        {
            File.Delete(temporary);
            throw new ArgumentException("no utterances to export");
        }
        File.Move(temporary, manifest, overwrite: true);
        return count;
    }

    private static void WriteUtterance(TextEncoder encoder, int[] encoded, int layer, string featuresPath, string attentionPath)
    {
        using var scope = NewDisposeScope();
        var device = encoder.parameters().First().device;
        var ids = tensor(encoded.Select(i => (long)i).ToArray(), [1, encoded.Length], device: device);
        var lengths = tensor(new long[] { encoded.Length }, device: device);
        using var output = encoder.Forward(ids, lengths);
        var features = output.HiddenStates[layer][0].cpu().contiguous();                 // (T, D)
        var attention = stack(output.Attention, 0).squeeze(1).cpu().contiguous();          // (L, H, T, T)
        NpyWriter.WriteFloat32(featuresPath, features.data<float>().ToArray(), features.shape);
        NpyWriter.WriteFloat32(attentionPath, attention.data<float>().ToArray(), attention.shape);
    }
}
