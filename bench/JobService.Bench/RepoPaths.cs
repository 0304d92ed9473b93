namespace JobService.Bench;

/// <summary>Where the repository and the Release build of the service are, wherever the bench was started from.</summary>
internal sealed record RepoPaths(string Root)
{
    public string ApiProject => Path.Combine(Root, "src", "Api", "JobService.Api.csproj");
    public string ApiBin => Path.Combine(Root, "src", "Api", "bin", "Release", "net10.0");
    public string PythonScript => Path.Combine(Root, "bench", "python_pools.py");
    public string ResultsDir => Path.Combine(Root, "bench", "results");
    public string DefaultReport => Path.Combine(Root, "docs", "benchmarks.md");
    public string PostgresReport => Path.Combine(Root, "docs", "benchmarks-postgres.md");

    public static RepoPaths Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "JobService.sln")) && Directory.Exists(Path.Combine(dir.FullName, "src", "Api")))
                    return new RepoPaths(dir.FullName);
        }
        throw new InvalidOperationException("cannot find the repository root (a folder with JobService.sln and src/Api) above the current directory");
    }
}
