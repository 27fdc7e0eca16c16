using PLDistill.Cli;

return await CliErrors.RunAsync(PldCommand.Create(), args);
