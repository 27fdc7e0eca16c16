using System.CommandLine;
using PLDistill.Models.Lalm;
using TorchSharp;

namespace PLDistill.Cli.Commands;

/// <summary><c>pld info</c>: what libtorch was loaded, from where, and on which device we run.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the loaded libtorch, the device and whether the Debian 12 libstdc++ repair was needed");
        command.SetAction(parse =>
        {
            var runtime = CommonOptions.InitializeTorch(parse);
            Console.WriteLine($"device            {runtime.Device.type.ToString().ToLowerInvariant()}");
            Console.WriteLine($"libtorch          {runtime.LibTorchDirectory}");
            Console.WriteLine($"libLibTorchSharp  {runtime.LibTorchSharpPath}{(runtime.UsedPatchedCopy ? "  (patched copy: system libstdc++ lacks GLIBCXX_3.4.32)" : "")}");
            Console.WriteLine($"cuda available    {torch.cuda.is_available()}");
            Console.WriteLine($"cpu threads       {torch.get_num_threads()}");
            Console.WriteLine($"malloc            {(runtime.AllocatorTuned ? "tuned: fixed mmap and trim thresholds (glibc)" : "as the C library or the user set it")}");
            using var student = new AudioLanguageModel(LalmConfig.Student);
            using var teacher = new AudioLanguageModel(LalmConfig.Teacher);
            Console.WriteLine($"student shape     {student.ParameterCount:N0} parameters (streaming encoder, {LalmConfig.Student.Encoder.LeftContextFrames}-frame left context)");
            // Not a shipped teacher: those are ensembles of students (README, "Why the teacher is an ensemble").
            Console.WriteLine($"large single model {teacher.ParameterCount:N0} parameters ({(double)teacher.ParameterCount / student.ParameterCount:F1}x the student, full-context encoder; for comparison only)");
            return 0;
        });
        return command;
    }
}
