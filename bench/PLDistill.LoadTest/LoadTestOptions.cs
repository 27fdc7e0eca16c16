using System.Globalization;

namespace PLDistill.LoadTest;

/// <summary>What to run; see Program.cs for the command line.</summary>
internal sealed record LoadTestOptions
{
    public string Device { get; init; } = "cpu";
    public string? LibTorch { get; init; }
    public int? Threads { get; init; }
    public string? Checkpoint { get; init; }
    public double Seconds { get; init; } = 15;
    public double WarmupSeconds { get; init; } = 3;
    public IReadOnlyList<int> Loads { get; init; } = [1, 10, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000];
    public int ChunkMilliseconds { get; init; } = 50;
    public int MaxBatchStreams { get; init; } = 64;
    public double MaxBatchWaitMilliseconds { get; init; } = 2;
    public Uri? Server { get; init; }
    public string? Key { get; init; }
    public double? SoakMinutes { get; init; }
    public int SoakCallers { get; init; } = 40;
    public double SampleSeconds { get; init; } = 30;

    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
                : throw new ArgumentException($"{args[i - 1]} '{args[i]}' is not a number");
            options = args[i] switch
            {
                "--device" => options with { Device = Value() },
                "--libtorch" => options with { LibTorch = Value() },
                "--threads" => options with { Threads = (int)Number() },
                "--checkpoint" => options with { Checkpoint = Value() },
                "--seconds" => options with { Seconds = Number() },
                "--warmup" => options with { WarmupSeconds = Number() },
                "--loads" => options with { Loads = Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--chunk-ms" => options with { ChunkMilliseconds = (int)Number() },
                "--max-batch" => options with { MaxBatchStreams = (int)Number() },
                "--batch-wait-ms" => options with { MaxBatchWaitMilliseconds = Number() },
                "--server" => options with { Server = new Uri(Value()) },
                "--key" => options with { Key = Value() },
                "--soak" => options with { SoakMinutes = Number() },
                "--callers" => options with { SoakCallers = (int)Number() },
                "--sample-seconds" => options with { SampleSeconds = Number() },
                var other => throw new ArgumentException($"unknown option '{other}'"),
            };
        }
        if (options.Server is not null && options.Key is null)
            throw new ArgumentException("--server needs --key");
        if (options.Seconds <= options.WarmupSeconds + 1)
            throw new ArgumentException("--seconds must exceed --warmup by more than a second");
        if (options.SoakMinutes is { } minutes && !(minutes > 0 && minutes <= 24 * 60))
            throw new ArgumentException("--soak takes minutes, above 0 and at most a day");
        if (options.SoakCallers is < 1 or > 5000)
            throw new ArgumentException("--callers must be 1..5000");
        if (!(options.SampleSeconds >= 1))
            throw new ArgumentException("--sample-seconds must be at least 1");
        if (options.ChunkMilliseconds is < 5 or > 1000)
            throw new ArgumentException("--chunk-ms must be 5..1000");
        return options;
    }
}
