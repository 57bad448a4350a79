namespace AgentFunctions.Testing;

/// <summary>Finds files of this repository from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration these tests were built with (Debug or Release), from their own output folder.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>A file in another project's build output for the same configuration, e.g. <c>BuildOutput("tools/LocalHost", "LocalHost.dll")</c>.</summary>
    public static string BuildOutput(string projectDirectory, string fileName) =>
        Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", fileName);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AgentFunctions.sln was not found above {AppContext.BaseDirectory}.");
    }
}
