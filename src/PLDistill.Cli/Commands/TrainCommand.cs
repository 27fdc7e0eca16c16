using System.CommandLine;
using PLDistill.Distillation.Training;
using Spectre.Console;

namespace PLDistill.Cli.Commands;

/// <summary><c>pld train-teacher</c> and <c>pld distill</c>: run a training config.</summary>
internal static class TrainCommand
{
    public static Command Create(string name, string description, string role)
    {
        var configOption = new Option<string>("--config") { Description = "training config (YAML), e.g. configs/teacher.yaml", Required = true };
        var teacherOption = new Option<string?>("--teacher") { Description = "teacher checkpoint (overrides the config's teacher)" };
        var resumeOption = new Option<bool>("--resume") { Description = "continue the run folder's last epoch" };
        var epochsOption = new Option<int?>("--epochs") { Description = "override training.epochs" };
        var seedOption = new Option<int?>("--seed") { Description = "override seed (the run name gets -s<seed>)" };
        var outputOption = new Option<string?>("--output") { Description = "override the folder that holds run folders" };
        var foldOption = new Option<int?>("--fold")
        {
            Description = "train fold K of --folds by actor over the config's actors (train and eval together): select and score on the K-th block in actor order, train on the rest; the run name gets -fold-K",
        };
        var foldsOption = new Option<int>("--folds") { Description = "how many folds --fold counts (default 5: with actors 1-20, fold K scores on actors 4K-3..4K)", DefaultValueFactory = _ => 5 };
        var command = new Command(name, description) { configOption, resumeOption, epochsOption, seedOption, foldOption, foldsOption, outputOption };
        if (role == "student")
            command.Options.Add(teacherOption);

        command.SetAction((parse, cancellationToken) =>
        {
            var runtime = CommonOptions.InitializeTorch(parse);
            var config = TrainingConfigFile.Load(parse.GetValue(configOption)!);
            if (config.Role != role)
                throw new ArgumentException($"{parse.GetValue(configOption)}: role is {config.Role}; use `pld {(config.Role == "teacher" ? "train-teacher" : "distill")}`");
            if (parse.GetValue(teacherOption) is { } teacher) config.Teacher = teacher;
            if (parse.GetValue(epochsOption) is { } epochs)
            {
                config.Training.Epochs = epochs;
                config.Training.WarmupEpochs = Math.Min(config.Training.WarmupEpochs, epochs * 0.5); // keep warm-up inside a short run
            }
            if (parse.GetValue(outputOption) is { } output) config.Output = output;
            if (parse.GetValue(foldOption) is { } fold) config.UseActorFold(fold, parse.GetValue(foldsOption));
            else if (parse.GetResult(foldsOption) is { Implicit: false }) throw new ArgumentException("--folds counts the folds of --fold K; give --fold too");
            if (parse.GetValue(seedOption) is { } seed)
            {
                config.Seed = seed;
                config.Name = $"{config.Name}-s{seed}";
            }
            config.Validate();
            if (parse.GetValue(teacherOption) is not null && config.Method == DistillationMethod.None)
                throw new ArgumentException($"--teacher is given but {parse.GetValue(configOption)} distils nothing (method: none); " +
                                            "use a config with a distillation method, or leave --teacher out");

            var trainer = new Trainer(config, runtime.Device, ProgressPrinter.Create(), line => AnsiConsole.MarkupLine(Markup.Escape(line)));
            var result = trainer.Run(parse.GetValue(resumeOption), cancellationToken);
            AnsiConsole.MarkupLine($"[green]best[/] epoch {result.BestEpoch}: WA {result.BestMetrics.WeightedAccuracy:P1}  UA {result.BestMetrics.UnweightedAccuracy:P1}  " +
                                   $"macro-F1 {result.BestMetrics.MacroF1:P1}  ({result.Parameters:N0} parameters, {result.ClipsPerSecond:F1} clips/s, {result.Elapsed:hh\\:mm\\:ss})");
            AnsiConsole.MarkupLine($"checkpoint {Markup.Escape(result.BestCheckpoint)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
