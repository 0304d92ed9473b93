using System.Text.Json;
using JobService.Bench;
using JobService.Bench.Postgres;
using JobService.Bench.Python;
using JobService.Bench.Report;
using JobService.Bench.Service;
using JobService.Bench.Workloads;

if (BenchOptions.Parse(args) is not { } options)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var cancellationToken = stop.Token;
var paths = RepoPaths.Find();

// The service as users run it: the Release build
if (options.Build)
{
    Console.WriteLine($"Building {Path.GetRelativePath(paths.Root, paths.ApiProject)} (Release)…");
    var build = await Shell.RunAsync("dotnet", ["build", "-c", "Release", "--nologo", "-v", "q", paths.ApiProject], paths.Root, cancellationToken);
    if (build.ExitCode != 0)
    {
        Console.Error.WriteLine($"dotnet build failed ({build.ExitCode}):\n{build.Stdout}{build.Stderr}");
        return 1;
    }
}

var machine = await MachineInfo.CollectAsync(paths, cancellationToken);
Console.WriteLine($"{machine.Cores} cores, {machine.CpuModel}, {machine.DotnetRuntime}, {machine.Python}; load average {machine.LoadAtStart}");

// --postgres: only the PostgreSQL section, with its own cluster, nodes and report
if (options.Postgres) return await new PostgresSection(paths, machine, options).RunAsync(cancellationToken);
Console.WriteLine($"{options.Runs} runs per workload{(options.Quick ? ", quick sizes" : "")}; service and Python alternate.");

ServiceProcess? service = null;
try
{
    // One node, 2 worker processes, short retention so goal 6 can watch memory come back
    service = await ServiceProcess.StartAsync(paths.ApiBin, BenchOptions.Workers, BenchOptions.Retention, cancellationToken);
    Console.WriteLine($"Service up at {service.BaseAddress} (pid {service.Pid}); warming up…");
    using var workloads = new ServiceWorkloads(service, BenchOptions.Retention);
    var warmUp = await workloads.WarmUpAsync(Sizes.Warmup, cancellationToken);
    Console.WriteLine($"Warmed: {warmUp}");

    // A B A B: each workload's service run, then its Python runs, N times
    var python = new PythonPools(paths.PythonScript, paths.Root, BenchOptions.Workers);
    var results = await new BenchRunner(workloads, python, options).RunAsync(cancellationToken);

    // The report: printed, written to docs/ (full runs) or bench/results/ (quick), raw runs as JSON beside it
    var markdown = new MarkdownReport(machine, options, warmUp, results).Render();
    Console.WriteLine();
    Console.WriteLine(markdown);
    var stamp = machine.Date.ToString("yyyyMMdd-HHmmss");
    // Only a full run of every workload replaces docs/benchmarks.md
    var complete = !options.Quick && options.Workloads.Count == Catalog.All.Count;
    var kind = options.Quick ? "quick" : complete ? "full" : "partial";
    var output = options.Output ?? (complete ? paths.DefaultReport : Path.Combine(paths.ResultsDir, $"{kind}-{stamp}.md"));
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllTextAsync(output, markdown, cancellationToken);
    Directory.CreateDirectory(paths.ResultsDir);
    var raw = Path.Combine(paths.ResultsDir, $"{kind}-{stamp}.json");
    await File.WriteAllBytesAsync(raw, JsonSerializer.SerializeToUtf8Bytes(new
    {
        machine,
        options.Runs,
        options.Quick,
        options.Sizes,
        Workloads = results.Select(r => new { r.Workload.Key, r.Title, r.Service, r.Python, r.LoadAfter }),
    }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    Console.WriteLine($"Wrote {Path.GetRelativePath(paths.Root, Path.GetFullPath(output))} and {Path.GetRelativePath(paths.Root, raw)}");
    return 0;
}
catch (Exception ex) when (ex is BenchException or InvalidOperationException or HttpRequestException or TimeoutException)
{
    Console.Error.WriteLine($"Benchmark failed: {ex.Message}");
    if (service is not null) Console.Error.WriteLine($"Last lines of the service's log:\n{service.LogTail}");
    return 1;
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
finally
{
    if (service is not null) await service.DisposeAsync();
}
