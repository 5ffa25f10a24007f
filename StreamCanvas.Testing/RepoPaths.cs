namespace StreamCanvas.Testing;

public static class RepoPaths
{
    /// <summary>The repository root: the folder above the test binaries that holds StreamCanvas.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Workflows => Path.Combine(Root, "workflows");

    /// <summary>The Functions app's own build output (same configuration as the tests).</summary>
    public static string AppOutput
    {
        get
        {
            string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Root, "StreamCanvas.Functions", "bin", configuration, "net10.0");
        }
    }

    static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamCanvas.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("StreamCanvas.sln not found above " + AppContext.BaseDirectory);
    }
}
