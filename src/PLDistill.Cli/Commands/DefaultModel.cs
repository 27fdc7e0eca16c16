namespace PLDistill.Cli.Commands;

/// <summary>Resolves <c>--checkpoint default</c> to the student checkpoint shipped with the program.</summary>
internal static class DefaultModel
{
    public const string Name = "default";

    /// <summary>Where the shipped student lives next to the program.</summary>
    public static string ShippedPath => Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt");

    public static string Resolve(string checkpoint) =>
        checkpoint != Name ? checkpoint
        : File.Exists(ShippedPath) ? ShippedPath
        : throw new FileNotFoundException($"no default model is shipped in this build (expected {ShippedPath}); pass --checkpoint PATH");
}
