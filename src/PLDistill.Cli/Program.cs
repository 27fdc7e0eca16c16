using PLDistill.Cli;

StandardOutput.FailWritesOnceClosed();
return await CliErrors.RunAsync(PldCommand.Create(), args);
