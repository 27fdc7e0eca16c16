using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Processing;
using PLDistill.Audio.Resampling;
using PLDistill.Models.Features;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// Decode (48 kHz 16-bit WAV) + resample to 16 kHz + streaming log-mel, on one CPU core, in 100 ms chunks as a live
/// stream delivers them. Speech comes from RAVDESS (upsampled to 48 kHz) when the shared data is present, else a
/// synthetic harmonic signal. Reports x real time (audio seconds per wall second), median of repeated runs.
/// </summary>
internal static class FrontEndBenchmark
{
    public static void Run(double seconds, int repeats)
    {
        BenchEnvironment.PinToOneCore();
        set_num_threads(1);
        byte[] wav = MakeWav48k(seconds, out string source);
        var options = new LogMelOptions();
        using var spectrogram = new LogMelSpectrogram(options);

        var speeds = new List<double>();
        for (int run = 0; run < repeats + 1; run++)
        {
            var clock = Stopwatch.StartNew();
            long frames = Process(wav, spectrogram, chunkMilliseconds: 100);
            clock.Stop();
            if (run > 0) // the first run warms up the JIT and libtorch
                speeds.Add(seconds / clock.Elapsed.TotalSeconds);
            if (frames != options.FrameCount((long)(seconds * 16000)))
                throw new InvalidOperationException($"expected {options.FrameCount((long)(seconds * 16000))} frames, got {frames}");
        }
        Console.WriteLine($"front end, 1 core: decode 48 kHz WAV + resample to 16 kHz + log-mel (80 bins, 25/10 ms), 100 ms chunks, {seconds:F0} s of {source}");
        Console.WriteLine($"| median x real time | min | max | runs | machine |");
        Console.WriteLine($"|---|---|---|---|---|");
        Console.WriteLine($"| {BenchEnvironment.Median(speeds):F0}x | {speeds.Min():F0}x | {speeds.Max():F0}x | {repeats} | {BenchEnvironment.Describe()} |");
    }

    private static long Process(byte[] wav, LogMelSpectrogram spectrogram, int chunkMilliseconds)
    {
        using var reader = WavReader.Open(new MemoryStream(wav, writable: false), "bench.wav");
        var conditioner = new MonoConditioner(reader.Format);
        var extractor = new StreamingLogMelExtractor(spectrogram);
        var chunk = new float[reader.Format.SampleRate * chunkMilliseconds / 1000 * reader.Format.Channels];
        var mono = new float[conditioner.MaxOutputFor(chunk.Length)];
        int read;
        while ((read = reader.ReadFrames(chunk)) > 0)
        {
            int produced = conditioner.Process(chunk.AsSpan(0, read * reader.Format.Channels), mono);
            using var frames = extractor.Accept(mono.AsSpan(0, produced));
        }
        int tail = conditioner.Flush(mono);
        using (extractor.Accept(mono.AsSpan(0, tail))) { }
        return extractor.FramesEmitted;
    }

    private static byte[] MakeWav48k(double seconds, out string source)
    {
        int samples16k = (int)(seconds * 16000);
        var speech = new List<float>(samples16k);
        string? root = RavdessCorpus.FindSharedRoot();
        if (root is not null)
        {
            foreach (var clip in RavdessCorpus.Scan(root).Clips)
            {
                speech.AddRange(AudioFile.ReadMono(clip.Path));
                if (speech.Count >= samples16k) break;
            }
            source = "RAVDESS speech upsampled to 48 kHz";
        }
        else
        {
            var random = new Random(1);
            for (int n = 0; n < samples16k; n++)
                speech.Add((float)(0.2 * Math.Sin(2 * Math.PI * 140 * n / 16000) + 0.1 * Math.Sin(2 * Math.PI * 1130 * n / 16000) + 0.02 * (random.NextDouble() - 0.5)));
            source = "synthetic harmonic audio (no shared RAVDESS found)";
        }
        float[] at48k = StreamingResampler.ResampleAll(speech.Take(samples16k).ToArray(), new ResamplerOptions(16000, 48000));
        using var buffer = new MemoryStream();
        using (var writer = new WavWriter(buffer, new PcmFormat(48000, 1, SampleEncoding.Int16), leaveOpen: true))
            writer.WriteFrames(at48k);
        return buffer.ToArray();
    }
}
