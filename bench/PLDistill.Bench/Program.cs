using PLDistill.Bench;
using PLDistill.Models.Runtime;

// Benchmarks behind the README's figures. Usage:
//   pld-bench frontend [seconds=60] [repeats=5]
//   pld-bench step [cpu|cuda|auto] [steps=20] [batch=32] [teacher manifest]
//                                                                  (a distillation step's phases per method, precomputed teacher)
//   pld-bench hop [cpu|cuda|auto] [seconds=60] [checkpoint]        (one core on cpu; PLD_BENCH_LEGACY_LM=1: full-context LM student)
//   pld-bench streams [cpu|cuda|auto] [seconds=20] [checkpoint]    (concurrent real-time streams through the engine)
//   pld-bench clip [cpu|cuda|auto] [seconds=3] [repeats=200] [teacher checkpoint] [student checkpoint]
//                                                                  (per-clip inference, teacher and student; one core on cpu;
//                                                                   teacher checkpoint "none": the student alone)
// PLD_BENCH_PRECISION=BFloat16 runs the models of clip, hop and streams in bfloat16 (default Float32).
string what = args.FirstOrDefault() ?? "frontend";
switch (what)
{
    case "frontend":
        TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });
        FrontEndBenchmark.Run(Arg(1, 60.0), (int)Arg(2, 5));
        return 0;
    case "step":
        var stepRuntime = TorchRuntime.Initialize(RuntimeOptions(DeviceChoice.Auto));
        TrainingStepBenchmark.Run(stepRuntime.Device, (int)Arg(2, 20), (int)Arg(3, 32), args.ElementAtOrDefault(4));
        return 0;
    case "hop":
        var hopRuntime = TorchRuntime.Initialize(RuntimeOptions(DeviceChoice.Cpu) with { CpuThreads = 1 });
        if (hopRuntime.Device.type == TorchSharp.DeviceType.CPU)
            BenchEnvironment.PinToOneCore();
        HopLatencyBenchmark.Run(hopRuntime.Device, Arg(2, 60.0), args.ElementAtOrDefault(3));
        return 0;
    case "streams":
        var streamsRuntime = TorchRuntime.Initialize(RuntimeOptions(DeviceChoice.Cpu));
        await ConcurrentStreamsBenchmark.RunAsync(streamsRuntime.Device, Arg(2, 20.0), args.ElementAtOrDefault(3));
        return 0;
    case "clip":
        var clipRuntime = TorchRuntime.Initialize(RuntimeOptions(DeviceChoice.Cpu) with { CpuThreads = 1 });
        if (clipRuntime.Device.type == TorchSharp.DeviceType.CPU)
            BenchEnvironment.PinToOneCore();
        ClipLatencyBenchmark.Run(clipRuntime.Device, Arg(2, 3.0), (int)Arg(3, 200), args.ElementAtOrDefault(4), args.ElementAtOrDefault(5));
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{what}': use frontend, step, hop, streams or clip");
        return 2;
}

// The device named by the first argument after the benchmark (cpu, cuda or auto), else the fallback.
TorchRuntimeOptions RuntimeOptions(DeviceChoice fallback) =>
    TorchRuntimeOptions.FromEnvironment(args.Length > 1 ? Enum.Parse<DeviceChoice>(args[1], ignoreCase: true) : fallback);

double Arg(int index, double fallback) =>
    args.Length > index ? double.Parse(args[index], System.Globalization.CultureInfo.InvariantCulture) : fallback;
