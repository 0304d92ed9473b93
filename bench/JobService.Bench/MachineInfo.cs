using System.Runtime.InteropServices;

namespace JobService.Bench;

/// <summary>What the figures were measured on, for the report's header.</summary>
internal sealed record MachineInfo(
    int Cores,
    string CpuModel,
    string Memory,
    string Os,
    string DotnetRuntime,
    string DotnetSdk,
    string Python,
    string Commit,
    DateTimeOffset Date,
    string LoadAtStart)
{
    public static async Task<MachineInfo> CollectAsync(RepoPaths paths, CancellationToken cancellationToken)
    {
        var cores = await Shell.FirstLineAsync("nproc", [], paths.Root, cancellationToken);
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? "unknown";
        var memory = ReadField("/proc/meminfo", "MemTotal") is { } total && long.TryParse(total.Split(' ')[0], out var kb)
            ? $"{kb / 1024.0 / 1024.0:F1} GiB" : "unknown";
        var commit = await Shell.FirstLineAsync("git", ["rev-parse", "--short", "HEAD"], paths.Root, cancellationToken);
        var dirty = await Shell.RunAsync("git", ["status", "--porcelain", "--", "src"], paths.Root, cancellationToken);
        if (dirty.ExitCode == 0 && dirty.Stdout.Trim().Length > 0) commit += " + uncommitted changes in src/";
        return new MachineInfo(
            int.TryParse(cores, out var n) ? n : Environment.ProcessorCount,
            cpu,
            memory,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            await Shell.FirstLineAsync("dotnet", ["--version"], paths.Root, cancellationToken),
            await Shell.FirstLineAsync("python3", ["--version"], paths.Root, cancellationToken),
            commit,
            DateTimeOffset.UtcNow,
            LoadAverage());
    }

    /// <summary>/proc/loadavg's 1, 5 and 15 minute averages: other work on the machine skews every figure.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string? ReadField(string file, string name)
    {
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == name) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
