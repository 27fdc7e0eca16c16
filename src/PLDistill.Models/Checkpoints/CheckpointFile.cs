using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Models.Checkpoints;

/// <summary>
/// One-file checkpoints. Layout (little-endian):
/// <code>
///   "PLDCKPT1"  u32 formatVersion  u32 jsonLength  json(metadata)
///   u32 tensorCount  { u16 nameLength name  u8 precision  u8 rank  i64[rank] shape  bytes }*
///   sha256 of everything above (32 bytes)
/// </code>
/// The hash is checked before anything is parsed, so a truncated or altered file is refused with a clear message.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const uint FormatVersion = 1;

    private static readonly byte[] Magic = "PLDCKPT1"u8.ToArray();
    private const int HashLength = 32;
    private const long MaxFileBytes = 2L << 30;

    /// <summary>JSON settings shared by writer and reader.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Writes <paramref name="model"/>'s weights and buffers with <paramref name="metadata"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, AudioLanguageModel model, CheckpointMetadata metadata, WeightPrecision precision = WeightPrecision.Float32)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
            writer.Write(json.Length);
            writer.Write(json);

            var state = model.state_dict();
            writer.Write(state.Count);
            foreach (var (name, value) in state)
                WriteTensor(writer, name, value, precision);
        }
        byte[] content = body.ToArray();
        byte[] hash = SHA256.HashData(content);

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"{full} is a folder; a checkpoint is written to a file (e.g. {Path.Combine(full, "model.pldckpt")})");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            AtomicFile.Write(full, temporary =>
            {
                using var file = File.Create(temporary);
                file.Write(content);
                file.Write(hash);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{full}: cannot write the checkpoint: {e.Message}", e);
        }
    }

    /// <summary>Reads only the metadata (after verifying the whole file).</summary>
    public static CheckpointMetadata ReadMetadata(string path) => Read(path).Metadata;

    /// <summary>Reads and verifies a checkpoint and builds the model it describes, in eval mode on the CPU.</summary>
    /// <exception cref="CheckpointException">Any problem with the file; the message names it.</exception>
    public static (AudioLanguageModel Model, CheckpointMetadata Metadata) Load(string path)
    {
        var (metadata, tensors) = Read(path);
        AudioLanguageModel model;
        try
        {
            // Building the model allocates and initialises all of it: a small file must not be able to ask for gigabytes.
            double stored = tensors.Values.Sum(t => (double)t.numel());
            double least = metadata.Model.MinimumParameterCount(metadata.Vocabulary.Count);
            if (least > stored)
                throw new CheckpointException(path,
                    $"describes a model of at least {least:N0} parameters but stores only {stored:N0} values: its metadata and weights disagree");
            model = new AudioLanguageModel(metadata.Model, new TextVocabulary(metadata.Vocabulary));
        }
        catch (Exception e)
        {
            Dispose(tensors);
            throw e is ArgumentException ? new CheckpointException(path, $"describes an invalid model: {e.Message}", e) : e;
        }
        LoadInto(path, model, tensors);
        model.eval();
        return (model, metadata);
    }

    /// <summary>Copies the checkpoint's weights into an existing model of the same shape (e.g. to resume or initialise).</summary>
    public static CheckpointMetadata LoadInto(string path, AudioLanguageModel model)
    {
        var (metadata, tensors) = Read(path);
        LoadInto(path, model, tensors);
        return metadata;
    }

    /// <summary>
    /// Refuses <paramref name="tensors"/> when a floating-point one holds a NaN or an infinity: a run that diverged saves
    /// such weights, and the content hash, which proves the file whole, cannot tell.
    /// </summary>
    private static void RequireFiniteWeights(string path, Dictionary<string, Tensor> tensors)
    {
        foreach (var (name, value) in tensors)
        {
            if (!value.is_floating_point())
                continue;
            using var finite = value.isfinite();
            using var allFinite = finite.all();
            if (!allFinite.item<bool>())
                throw new CheckpointException(path, $"holds weights that are NaN or infinite, first in {name}");
        }
    }

    private static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
            tensor.Dispose();
    }

    // Checks the weights and copies them into the model; frees them either way.
    private static void LoadInto(string path, AudioLanguageModel model, Dictionary<string, Tensor> tensors)
    {
        try
        {
            RequireFiniteWeights(path, tensors);
            var state = model.state_dict();
            var missing = state.Keys.Where(k => !tensors.ContainsKey(k)).ToArray();
            var unexpected = tensors.Keys.Where(k => !state.ContainsKey(k)).ToArray();
            if (missing.Length > 0 || unexpected.Length > 0)
                throw new CheckpointException(path, "does not match the model: " +
                    (missing.Length > 0 ? $"missing {string.Join(", ", missing.Take(5))}" : "") +
                    (unexpected.Length > 0 ? $" unexpected {string.Join(", ", unexpected.Take(5))}" : ""));
            using var noGrad = no_grad();
            foreach (var (name, target) in state)
            {
                var source = tensors[name];
                if (!source.shape.SequenceEqual(target.shape))
                    throw new CheckpointException(path, $"does not match the model: {name} has shape ({string.Join(", ", source.shape)}), the model expects ({string.Join(", ", target.shape)})");
                target.copy_(source);
            }
        }
        finally
        {
            Dispose(tensors);
        }
    }

    private static (CheckpointMetadata Metadata, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, "file not found");
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new CheckpointException(path, $"is {length} bytes, larger than any checkpoint this build writes");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, "is not a PLDistill checkpoint (wrong magic bytes)");
        if (bytes.Length < Magic.Length + 4)
            throw new CheckpointException(path, "is truncated: it ends inside the header");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length));
        if (version != FormatVersion)
            throw new CheckpointException(path, $"has format version {version}; this build reads version {FormatVersion}");
        if (bytes.Length < Magic.Length + 8 + HashLength)
            throw new CheckpointException(path, "is truncated: it ends inside the header");

        var content = bytes.AsSpan(0, bytes.Length - HashLength);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashLength)))
            throw new CheckpointException(path, "is truncated or corrupted: its content hash does not match");

        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, content.Length, writable: false));
            reader.ReadBytes(Magic.Length + 4);
            // Every size read from the file is checked against the bytes left before anything is allocated for it: the
            // hash proves the file whole, not honest.
            int jsonLength = reader.ReadInt32();
            if (jsonLength < 0 || jsonLength > Remaining(reader))
                throw new InvalidDataException($"metadata of {jsonLength} bytes in {Remaining(reader)} left");
            var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(reader.ReadBytes(jsonLength), Json)
                           ?? throw new CheckpointException(path, "has empty metadata");
            if (metadata.Role is null || metadata.Model is null || metadata.Features is null || metadata.LabelSet is null || metadata.Vocabulary is null
                || metadata.PromptPrefix is null || metadata.PromptSuffix is null || metadata.Streaming is null || metadata.Training is null)
                throw new InvalidDataException("its metadata has a null where a value is required");
            RequireConsistent(metadata);
            int count = reader.ReadInt32();
            if (count < 0 || count > Remaining(reader))
                throw new InvalidDataException($"{count} tensors in the {Remaining(reader)} bytes left");
            var tensors = new Dictionary<string, Tensor>();
            for (int i = 0; i < count; i++)
            {
                var (name, value) = ReadTensor(reader);
                tensors[name] = value;
            }
            return (metadata, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or NotSupportedException or InvalidDataException
                                       or OverflowException)
        {
            throw new CheckpointException(path, $"has a malformed body: {e.Message}", e);
        }
    }

    // The metadata's parts, checked as the code that made them checks them, and against each other: a file whose hash
    // matches can still carry metadata edited by hand or made by a faulty tool, and it would fail later, deep in the
    // model or the engine, with an error naming neither the file nor the field.
    private static void RequireConsistent(CheckpointMetadata metadata)
    {
        if (metadata.Model.Encoder is null || metadata.Model.LanguageModel is null)
            throw new InvalidDataException("its model description lacks its encoder or language model");
        metadata.Model.Validate();
        metadata.Features.Validate();
        _ = EmotionLabelSet.Parse(metadata.LabelSet);
        if (metadata.Features.MelBins != metadata.Model.Encoder.MelBins)
            throw new InvalidDataException($"its features have {metadata.Features.MelBins} mel bands but its encoder reads {metadata.Model.Encoder.MelBins}");
        var streaming = metadata.Streaming;
        if (!(streaming.HopMilliseconds > 0 && streaming.HopMilliseconds <= 60_000) || !(streaming.WindowSeconds > 0 && streaming.WindowSeconds <= 600)
            || streaming.LeftContextFrames < 0)   // 0: a full-context encoder
            throw new InvalidDataException($"its streaming parameters (hop {streaming.HopMilliseconds} ms, window {streaming.WindowSeconds} s, " +
                                           $"left context {streaming.LeftContextFrames} frames) are out of range");
    }

    private static long Remaining(BinaryReader reader) => reader.BaseStream.Length - reader.BaseStream.Position;

    private static void WriteTensor(BinaryWriter writer, string name, Tensor value, WeightPrecision precision)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        writer.Write((ushort)nameBytes.Length);
        writer.Write(nameBytes);
        bool isFloat = value.dtype == ScalarType.Float32;
        var stored = isFloat ? precision : WeightPrecision.Float32;
        if (!isFloat && value.dtype != ScalarType.Int64)
            throw new NotSupportedException($"cannot store {name} of type {value.dtype}");
        writer.Write(value.dtype == ScalarType.Int64 ? (byte)0 : (byte)stored);
        writer.Write((byte)value.shape.Length);
        foreach (long dimension in value.shape)
            writer.Write(dimension);

        using var cpu = value.detach().cpu().contiguous();
        if (value.dtype == ScalarType.Int64)
        {
            foreach (long v in cpu.data<long>().ToArray()) writer.Write(v);
        }
        else if (stored == WeightPrecision.Float16)
        {
            foreach (float v in cpu.data<float>().ToArray()) writer.Write((Half)v);
        }
        else
        {
            foreach (float v in cpu.data<float>().ToArray()) writer.Write(v);
        }
    }

    private static (string Name, Tensor Value) ReadTensor(BinaryReader reader)
    {
        string name = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadUInt16()));
        byte kind = reader.ReadByte();
        int rank = reader.ReadByte();
        if (rank > 8)
            throw new InvalidDataException($"{name} has rank {rank}");
        var shape = new long[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = reader.ReadInt64();
            if (shape[d] < 0 || shape[d] > 1L << 31)
                throw new InvalidDataException($"{name} has an impossible dimension {shape[d]}");
            count = checked(count * shape[d]);
        }
        if (count > 1L << 30)
            throw new InvalidDataException($"{name} has {count} elements");
        long bytesPerElement = kind switch { 0 => sizeof(long), (byte)WeightPrecision.Float16 => 2, _ => sizeof(float) };
        if (count * bytesPerElement > Remaining(reader))
            throw new InvalidDataException($"{name} claims {count} elements, more than the {Remaining(reader)} bytes left hold");
        switch (kind)
        {
            case 0:
                var longs = new long[count];
                for (long i = 0; i < count; i++) longs[i] = reader.ReadInt64();
                return (name, tensor(longs, shape));
            case (byte)WeightPrecision.Float32:
            case (byte)WeightPrecision.Float16:
                var floats = new float[count];
                for (long i = 0; i < count; i++) floats[i] = kind == (byte)WeightPrecision.Float16 ? (float)reader.ReadHalf() : reader.ReadSingle();
                return (name, tensor(floats, shape));
            default:
                throw new InvalidDataException($"{name} has unknown storage kind {kind}");
        }
    }
}
