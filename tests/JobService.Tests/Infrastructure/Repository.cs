namespace JobService.Tests.Infrastructure;

/// <summary>The checkout the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "JobService.sln"))) return folder.FullName;
        throw new DirectoryNotFoundException($"no JobService.sln above {AppContext.BaseDirectory}");
    }
}
