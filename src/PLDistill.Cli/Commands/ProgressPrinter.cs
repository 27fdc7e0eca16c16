using PLDistill.Distillation.Training;

namespace PLDistill.Cli.Commands;

/// <summary>
/// A one-line progress bar on stderr (loss, last and best UA, ETA), redrawn in place on a terminal and
/// silent when stderr is redirected, where the per-epoch log lines tell the story.
/// </summary>
internal sealed class ProgressPrinter : IProgress<TrainingProgress>
{
    private DateTime lastDraw = DateTime.MinValue;

    public static IProgress<TrainingProgress>? Create() => Console.IsErrorRedirected ? null : new ProgressPrinter();

    public void Report(TrainingProgress value)
    {
        if (value.Batch != value.Batches && DateTime.UtcNow - lastDraw < TimeSpan.FromMilliseconds(200))
            return;
        lastDraw = DateTime.UtcNow;
        const int width = 24;
        int filled = (int)Math.Round(width * (double)value.Batch / value.Batches);
        string bar = new string('#', filled) + new string('.', width - filled);
        string ua = value.LastUa is double last ? $"UA {last:P1}" : "UA --";
        string best = value.BestUa is double b ? $" best {b:P1}" : "";
        string eta = value.Remaining is TimeSpan r ? $" ETA {r:hh\\:mm\\:ss}" : "";
        Console.Error.Write($"\repoch {value.Epoch}/{value.Epochs} [{bar}] loss {value.Loss:F3} {ua}{best}{eta}   ");
        if (value.Batch == value.Batches)
            Console.Error.Write("\r" + new string(' ', 100) + "\r");
    }
}
