using PLDistill.Bench;
using PLDistill.Models.Runtime;

// Benchmarks behind the README's figures. Usage:
//   pld-bench frontend [seconds=60] [repeats=5]
//   pld-bench train [cpu|cuda|auto] [steps=10] [batch=32]
string what = args.FirstOrDefault() ?? "frontend";
switch (what)
{
    case "frontend":
        TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });
        FrontEndBenchmark.Run(Arg(1, 60.0), (int)Arg(2, 5));
        return 0;
    case "train":
        var choice = Enum.Parse<DeviceChoice>(args.ElementAtOrDefault(1) ?? "auto", ignoreCase: true);
        var runtime = TorchRuntime.Initialize(TorchRuntimeOptions.FromEnvironment(choice));
        TrainingThroughputBenchmark.Run(runtime.Device, (int)Arg(2, 10), (int)Arg(3, 32));
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{what}': use frontend or train");
        return 2;
}

double Arg(int index, double fallback) =>
    args.Length > index ? double.Parse(args[index], System.Globalization.CultureInfo.InvariantCulture) : fallback;
