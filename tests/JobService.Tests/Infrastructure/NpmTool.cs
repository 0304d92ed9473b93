using System.Diagnostics;

namespace JobService.Tests.Infrastructure;

/// <summary>
/// A command-line tool from the npm registry, installed on first use into <c>.tools/npm</c> of the checkout (ignored by
/// git), at a pinned version, so a fresh machine needs only Node.js and npm.
/// </summary>
public sealed class NpmTool(string package, string version, string command)
{
    private static readonly SemaphoreSlim Installing = new(1, 1);
    private static readonly string Prefix = Path.Combine(Repository.Root, ".tools", "npm");

    private string Executable => Path.Combine(Prefix, "node_modules", ".bin", command);

    public async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        await EnsureInstalledAsync();
        var (exit, stdout, stderr) = await RunAsync(Executable, arguments, null);
        return (exit, stdout + stderr);
    }

    /// <summary>Runs the tool in <paramref name="directory"/> (some tools find their configuration there), its two streams apart.</summary>
    public async Task<(int ExitCode, string Output, string Errors)> RunInAsync(string directory, params string[] arguments)
    {
        await EnsureInstalledAsync();
        return await RunAsync(Executable, arguments, directory);
    }

    private async Task EnsureInstalledAsync()
    {
        await Installing.WaitAsync();
        try
        {
            if (File.Exists(Executable) && File.Exists(Path.Combine(Prefix, "node_modules", package, "package.json"))
                && File.ReadAllText(Path.Combine(Prefix, "node_modules", package, "package.json")).Contains($"\"version\": \"{version}\"")) return;
            Directory.CreateDirectory(Prefix);
            var (exit, stdout, stderr) = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", Prefix, $"{package}@{version}"], null);
            if (exit != 0) throw new InvalidOperationException($"npm install {package}@{version} failed ({exit}):\n{stdout}{stderr}");
        }
        finally
        {
            Installing.Release();
        }
    }

    private static async Task<(int, string, string)> RunAsync(string file, string[] arguments, string? directory)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (directory is not null) info.WorkingDirectory = directory;
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!await process.ExitsWithinAsync(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} ran for more than 5 minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
