using System.Runtime.CompilerServices;

namespace PLDistill.Distillation.Tests;

/// <summary>The repository's folder, for tests of shipped files (configs), found from the source path: build outputs may live anywhere.</summary>
internal static class RepositoryFolder
{
    public static string Root([CallerFilePath] string source = "")
    {
        for (var folder = new DirectoryInfo(Path.GetDirectoryName(source)!); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "PLDistill.Streaming.sln")))
                return folder.FullName;
        throw new DirectoryNotFoundException($"the repository root (PLDistill.Streaming.sln) is not above {source}");
    }

    public static string Configs => Path.Combine(Root(), "configs");
}
