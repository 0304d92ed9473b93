using System.Globalization;
using JobService.Bench.Python;

namespace JobService.Bench.Workloads;

/// <summary>Every run of one workload: the service's and, per Python mode, Python's, in the order they ran.</summary>
internal sealed class WorkloadResult(Workload workload, string title)
{
    public Workload Workload { get; } = workload;
    public string Title { get; } = title;
    public List<ServiceRun> Service { get; } = [];
    public Dictionary<string, List<PythonRun>> Python { get; } = workload.Python.ToDictionary(m => m.Mode, _ => new List<PythonRun>());
    public string LoadAfter { get; set; } = "";
}

/// <summary>Runs each workload N times, A B A B: a service run, then its Python runs, then the service again…</summary>
internal sealed class BenchRunner(ServiceWorkloads service, PythonPools python, BenchOptions options)
{
    public async Task<IReadOnlyList<WorkloadResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<WorkloadResult>();
        foreach (var workload in Catalog.All.Where(w => options.Workloads.Contains(w.Key)))
        {
            var result = new WorkloadResult(workload, workload.Title(options.Sizes));
            Console.WriteLine($"({workload.Key}) {result.Title}");
            for (var run = 1; run <= options.Runs; run++)
            {
                var serviceRun = await workload.Service(service, options.Sizes, cancellationToken);
                result.Service.Add(serviceRun);
                var line = $"    run {run}/{options.Runs}: service {Describe(serviceRun)}";
                foreach (var mode in workload.Python)
                {
                    var pythonRun = await python.RunAsync(mode.Mode, mode.Args(options.Sizes), cancellationToken);
                    result.Python[mode.Mode].Add(pythonRun);
                    line += $" | {mode.Mode} {Describe(pythonRun)}";
                }
                Console.WriteLine(line);
            }
            result.LoadAfter = MachineInfo.LoadAverage();
            results.Add(result);
        }
        return results;
    }

    private static string Describe(ServiceRun run)
    {
        var text = run.P50Ms is { } p50 ? F($"p50 {p50:F3} ms p99 {run.P99Ms:F3} ms")
            : run.PerSecond is { } rate ? F($"{run.Seconds:F3} s ({rate:N0}/s)")
            : F($"{run.Seconds:F3} s");
        text += F($", peak RSS {run.Memory.PeakBytes / 1e6:F0} MB");
        if (run.Memory.AfterExpiryBytes is { } after) text += F($", after expiry {after / 1e6:F0} MB");
        return text;
    }

    private static string Describe(PythonRun run) =>
        run.P50Ms is { } p50 ? F($"p50 {p50:F3} ms p99 {run.P99Ms:F3} ms")
        : run.PerSecond is { } rate ? F($"{run.Seconds:F3} s ({rate:N0}/s)")
        : F($"{run.Seconds:F3} s");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
