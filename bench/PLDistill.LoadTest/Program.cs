using System.Globalization;
using PLDistill.LoadTest;

// pld-loadtest: N concurrent Recognize streams over loopback gRPC at real-time pace, for growing N; end-to-end latency
// (a chunk of audio leaving the client to the estimate of the hop it completes arriving back) and the largest N that
// stays real-time. Usage:
//   pld-loadtest [--device cpu|cuda|auto] [--libtorch DIR] [--checkpoint PATH] [--seconds 15] [--warmup 3]
//                [--loads 1,10,25,50,...] [--chunk-ms 50] [--max-batch 64] [--batch-wait-ms 2] [--threads N]
//   pld-loadtest --server http://HOST:PORT --key KEY [...]     (drive a running pld serve instead of an in-process one)
//   pld-loadtest --soak MINUTES [--callers 40] [--sample-seconds 30] [--checkpoint PATH]
//                (streams coming and going for a long time: is memory bounded? exit 0 if so, 1 if not)
try
{
    var options = LoadTestOptions.Parse(args);
    return await LoadTest.RunAsync(options);
}
catch (ArgumentException bad)
{
    Console.Error.WriteLine($"pld-loadtest: error: {bad.Message}");
    return 2;
}
