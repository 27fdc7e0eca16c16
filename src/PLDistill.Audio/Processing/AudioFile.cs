using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Processing;

/// <summary>Whole-file convenience for offline work (training, evaluation): any supported WAV -> mono at one rate.</summary>
public static class AudioFile
{
    /// <summary>Reads <paramref name="path"/>, downmixes and resamples it to <paramref name="sampleRate"/> mono floats.</summary>
    /// <exception cref="AudioFormatException">The file is not a WAV we decode.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static float[] ReadMono(string path, int sampleRate = MonoConditioner.DefaultTargetSampleRate)
    {
        using var reader = WavReader.Open(File.OpenRead(path), path);
        var conditioner = new MonoConditioner(reader.Format, sampleRate);
        var block = new float[8192 * reader.Format.Channels];
        var output = new List<float>(reader.Header.FrameCount is long n ? (int)Math.Min(n * sampleRate / reader.Format.SampleRate + 64, int.MaxValue / 2) : 1 << 16);
        var converted = new float[conditioner.MaxOutputFor(block.Length)];
        int frames;
        while ((frames = reader.ReadFrames(block)) > 0)
        {
            int produced = conditioner.Process(block.AsSpan(0, frames * reader.Format.Channels), converted);
            output.AddRange(converted.AsSpan(0, produced));
        }
        int tail = conditioner.Flush(converted);
        output.AddRange(converted.AsSpan(0, tail));
        return output.ToArray();
    }
}
