using PLDistill.Cli;

StandardOutput.BelongsToThisProcess();
return await CliErrors.RunAsync(PldCommand.Create(), args);
