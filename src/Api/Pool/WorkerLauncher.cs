using System.Diagnostics;
using System.Globalization;
using JobService.Api.Functions;
using JobService.Api.Storage;
using JobService.Workers.Hosting;
using JobService.Workers.Protocol;
using Microsoft.Extensions.Options;

namespace JobService.Api.Pool;

/// <summary>Knows how to start one worker process: which host, which program, which environment, and how to read it.</summary>
public sealed class WorkerLauncher(IOptions<WorkerPoolOptions> pool, IOptions<FunctionsOptions> functions, IOptions<StorageOptions> storage)
{
    /// <summary>The InMemory store keeps results as slices of what was read; PostgreSQL writes them away at once.</summary>
    public int ResultBlockBytes => storage.Value.IsPostgreSql ? FrameReader.ShortLivedBlockBytes : FrameReader.LongLivedBlockBytes;

    public ProcessStartInfo StartInfo()
    {
        var options = pool.Value;
        var worker = options.WorkerPath is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(AppContext.BaseDirectory, "JobService.Workers.dll");
        var info = new ProcessStartInfo(DotnetHost(options))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(worker);
        info.Environment[WorkerEnvironment.PluginPaths] = string.Join(Path.PathSeparator, functions.Value.Plugins.Select(Path.GetFullPath));
        info.Environment[WorkerEnvironment.FaultInjection] = functions.Value.EnableFaultInjection ? "1" : "0";
        // Workers are many small single-threaded processes: the workstation GC suits them.
        info.Environment["DOTNET_gcServer"] = "0";
        if (options.MaxMemoryMb > 0)
            info.Environment["DOTNET_GCHeapHardLimit"] = ((long)options.MaxMemoryMb * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
        return info;
    }

    private static string DotnetHost(WorkerPoolOptions options)
    {
        if (options.DotnetPath is { Length: > 0 } configured) return configured;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }
}
