using System.Text.Json;
using System.Text.Json.Nodes;
using PLDistill.Models.Lalm;

namespace PLDistill.Models.Checkpoints;

/// <summary>
/// A teacher on disk: one checkpoint (<c>.pldckpt</c>), or an ensemble manifest (<c>.pldens</c>) that lists member
/// checkpoints by path relative to the manifest's folder:
/// <code>{"format": "pldistill-ensemble", "version": 1, "members": ["member-1.pldckpt", "member-2.pldckpt"]}</code>
/// Members must agree on everything that gives their outputs a shared meaning: features, label set, vocabulary, prompt.
/// </summary>
public static class TeacherFile
{
    /// <summary>The manifest's format name.</summary>
    public const string Format = "pldistill-ensemble";

    /// <summary>The manifest version this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>File extension of ensemble manifests.</summary>
    public const string ManifestExtension = ".pldens";

    /// <summary>True when <paramref name="path"/> names an ensemble manifest rather than one checkpoint.</summary>
    public static bool IsManifest(string path) => path.EndsWith(ManifestExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Loads a teacher (eval mode, CPU) and the metadata that all its members share (the first member's, with the role
    /// and training record of that member).
    /// </summary>
    /// <exception cref="CheckpointException">The manifest is malformed, names a missing or unreadable member, or members disagree.</exception>
    public static (ModelEnsemble Teacher, CheckpointMetadata Metadata) Load(string path)
    {
        if (!IsManifest(path))
        {
            var (model, metadata) = CheckpointFile.Load(path);
            return (new ModelEnsemble([model]), metadata);
        }
        var memberPaths = ReadManifest(path);
        var models = new List<AudioLanguageModel>();
        try
        {
            CheckpointMetadata? first = null;
            foreach (string member in memberPaths)
            {
                var (model, metadata) = CheckpointFile.Load(member);
                models.Add(model);
                first ??= metadata;
                if (Disagreement(metadata, first) is { } disagreement)
                    throw new CheckpointException(path, $"member {member} differs from {memberPaths[0]} in its {disagreement}; ensemble members must share it");
            }
            return (new ModelEnsemble(models), first!);
        }
        catch
        {
            foreach (var model in models)
                model.Dispose();
            throw;
        }
    }

    // What two members must share for their outputs to mean the same thing; null when they do.
    private static string? Disagreement(CheckpointMetadata member, CheckpointMetadata first) =>
        member.Features != first.Features ? "features"
        : member.LabelSet != first.LabelSet ? "label set"
        : !member.Vocabulary.SequenceEqual(first.Vocabulary) ? "vocabulary"
        : !member.PromptPrefix.SequenceEqual(first.PromptPrefix) || !member.PromptSuffix.SequenceEqual(first.PromptSuffix) ? "prompt"
        : member.Model.Encoder.Subsampling != first.Model.Encoder.Subsampling ? "audio-token rate"
        : !SameActors(TrainingActors.Of(member), TrainingActors.Of(first)) ? "training actors (an ensemble is held out from the actors none of its members saw)"
        : null;

    private static bool SameActors(IReadOnlySet<int>? a, IReadOnlySet<int>? b) => a is null ? b is null : b is not null && a.SetEquals(b);

    /// <summary>The member paths a manifest lists, resolved against its folder; each must exist.</summary>
    /// <exception cref="CheckpointException">Not a readable manifest of this format and version, or a member is missing.</exception>
    public static IReadOnlyList<string> ReadManifest(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, "no such ensemble manifest");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new CheckpointException(path, $"not JSON: {error.Message}", error);
        }
        if (root is not JsonObject manifest)
            throw new CheckpointException(path, "an ensemble manifest is one JSON object");
        foreach (var (key, _) in manifest)
            if (key is not ("format" or "version" or "members"))
                throw new CheckpointException(path, $"unknown key '{key}'; known keys: format, version, members");
        if (Text(manifest, "format") != Format)
            throw new CheckpointException(path, $"format is '{Text(manifest, "format")}', not '{Format}'");
        int version = manifest["version"] is JsonValue v && v.TryGetValue<int>(out int number) ? number
            : throw new CheckpointException(path, "version must be an integer");
        if (version != Version)
            throw new CheckpointException(path, $"manifest version {version}; this build reads version {Version}");
        if (manifest["members"] is not JsonArray list || list.Count == 0)
            throw new CheckpointException(path, "members must be a non-empty list of checkpoint paths");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var members = new List<string>();
        foreach (var item in list)
        {
            string relative = item is JsonValue value && value.TryGetValue<string>(out string? text) && !string.IsNullOrWhiteSpace(text) ? text
                : throw new CheckpointException(path, "every member must be a path (a non-empty string)");
            if (Path.IsPathRooted(relative))
                throw new CheckpointException(path, $"member '{relative}' must be relative to the manifest's folder, so the ensemble can move");
            string full = Path.GetFullPath(Path.Combine(folder, relative));
            if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new CheckpointException(path, $"member '{relative}' lies outside the manifest's folder; members live in it or below it");
            if (members.Contains(full))
                throw new CheckpointException(path, $"member '{relative}' is listed twice");
            if (!File.Exists(full))
                throw new CheckpointException(path, $"member '{relative}' not found (looked for {full})");
            members.Add(full);
        }
        return members;
    }

    /// <summary>
    /// Makes an ensemble: each member checkpoint is rewritten in <paramref name="precision"/> beside the manifest as
    /// STEM-1.pldckpt, STEM-2.pldckpt, …, then the manifest lists them. Returns those names, and the member files of the
    /// ensemble this one replaced that it no longer lists (rebuilt with fewer members), which are deleted.
    /// </summary>
    /// <remarks>All or nothing: every member is read and checked (and the members checked against each other) before
    /// anything is written, the copies are written under temporary names and renamed only once all are written, the
    /// manifest last. A failure leaves an ensemble of the same name as it was.</remarks>
    /// <exception cref="ArgumentException">The output is not a manifest name, a member is given twice, or writing a copy
    /// would overwrite a member not yet read (checked before anything is written).</exception>
    /// <exception cref="CheckpointException">A member cannot be read, or members disagree.</exception>
    public static EnsembleFiles WriteEnsemble(string manifest, IReadOnlyList<string> members, WeightPrecision precision)
    {
        manifest = Path.GetFullPath(manifest);
        if (!IsManifest(manifest))
            throw new ArgumentException($"--output {manifest}: an ensemble manifest ends in {ManifestExtension}");
        string[] inputs = members.Select(Path.GetFullPath).ToArray();
        if (inputs.Distinct().Count() != inputs.Length)
            throw new ArgumentException("a member checkpoint is given twice");
        if (inputs.FirstOrDefault(IsManifest) is { } nested)
            throw new ArgumentException($"member {nested} is an ensemble manifest; give its member checkpoints (.pldckpt) instead");
        string folder = Path.GetDirectoryName(manifest)!;
        string stem = Path.GetFileNameWithoutExtension(manifest);
        string[] names = inputs.Select((_, i) => $"{stem}-{i + 1}.pldckpt").ToArray();
        foreach (string name in names)
        {
            if (Array.IndexOf(inputs, Path.Combine(folder, name)) is int clobbered and >= 0)
                throw new ArgumentException($"member {inputs[clobbered]} would be overwritten by the ensemble's {name}; write the ensemble elsewhere");
        }
        foreach (string target in names.Select(n => Path.Combine(folder, n)).Append(manifest))
        {
            if (Directory.Exists(target))
                throw new ArgumentException($"{target} is a folder; the ensemble's files cannot be written there");
        }
        var loaded = new List<(AudioLanguageModel Model, CheckpointMetadata Metadata)>();
        var written = new List<string>();
        try
        {
            foreach (string input in inputs)
            {
                loaded.Add(CheckpointFile.Load(input));
                if (Disagreement(loaded[^1].Metadata, loaded[0].Metadata) is { } disagreement)
                    throw new CheckpointException(input, $"differs from {inputs[0]} in its {disagreement}; ensemble members must share it");
            }
            Directory.CreateDirectory(folder);
            for (int i = 0; i < inputs.Length; i++)
            {
                string staged = Path.Combine(folder, names[i] + ".staged");
                written.Add(staged);
                CheckpointFile.Save(staged, loaded[i].Model, loaded[i].Metadata, precision);
            }
            for (int i = 0; i < inputs.Length; i++)
                File.Move(written[i], Path.Combine(folder, names[i]), overwrite: true);
            written.Clear();
            var previous = ListedMembers(manifest);
            WriteManifest(manifest, names);
            // The replaced ensemble's members that the new one does not list would otherwise lie beside it as if they
            // belonged to it (STEM-5..7 after a rebuild with four); files it never listed are not touched.
            var current = names.Select(n => Path.Combine(folder, n)).Concat(inputs).ToHashSet(StringComparer.Ordinal);
            var stale = previous.Where(path => !current.Contains(path) && File.Exists(path)).ToArray();
            foreach (string path in stale)
                File.Delete(path);
            return new EnsembleFiles(names, stale);
        }
        finally
        {
            foreach (string staged in written)
                File.Delete(staged);
            foreach (var (model, _) in loaded)
                model.Dispose();
        }
    }

    /// <summary>Writes a manifest listing <paramref name="memberFileNames"/> (paths relative to the manifest's folder) atomically.</summary>
    public static void WriteManifest(string path, IReadOnlyList<string> memberFileNames)
    {
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["members"] = new JsonArray(memberFileNames.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
        };
        try
        {
            AtomicFile.Write(path, temporary =>
                File.WriteAllText(temporary, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot write the ensemble manifest: {e.Message}", e);
        }
    }

    // The member paths an existing manifest lists, read leniently (missing members, a damaged file: what can be read).
    private static string[] ListedMembers(string manifest)
    {
        try
        {
            if (!File.Exists(manifest) || JsonNode.Parse(File.ReadAllText(manifest)) is not JsonObject { } root || root["members"] is not JsonArray list)
                return [];
            string folder = Path.GetDirectoryName(manifest)!;
            return list.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out string? text) ? text : null)
                .Where(text => !string.IsNullOrWhiteSpace(text) && !Path.IsPathRooted(text))
                .Select(text => Path.GetFullPath(Path.Combine(folder, text!)))
                .Where(full => full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) && IsCheckpoint(full))
                .ToArray();
        }
        catch (Exception unreadable) when (unreadable is JsonException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsCheckpoint(string path) => path.EndsWith(".pldckpt", StringComparison.OrdinalIgnoreCase);

    private static string? Text(JsonObject manifest, string key) =>
        manifest[key] is JsonValue value && value.TryGetValue<string>(out string? text) ? text : null;
}

/// <summary>What <see cref="TeacherFile.WriteEnsemble"/> wrote and removed.</summary>
/// <param name="Members">The member file names the new manifest lists, beside it.</param>
/// <param name="RemovedStaleMembers">Full paths of the replaced ensemble's members that the new one does not list, deleted.</param>
public sealed record EnsembleFiles(IReadOnlyList<string> Members, IReadOnlyList<string> RemovedStaleMembers);
