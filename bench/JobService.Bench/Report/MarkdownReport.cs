using System.Globalization;
using System.Text;
using JobService.Bench.Python;
using JobService.Bench.Workloads;

namespace JobService.Bench.Report;

/// <summary>docs/benchmarks.md: the machine, the method, the medians and ratios, a verdict per goal, every run.</summary>
internal sealed class MarkdownReport(MachineInfo machine, BenchOptions options, WarmUp warmUp, IReadOnlyList<WorkloadResult> results)
{
    private const double MaxPostResponseBytes = 1024;
    private const double MaxPeakMegabytes = 300;

    /// <summary>Memory "returns" when the API gives back at least this share of what the job added (after-expiry VmRSS vs before/peak).</summary>
    private const double MinReturnedShare = 0.75;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine(options.Quick
            ? "**Quick run** (`--quick`): smaller sizes than the goals are stated for; the verdicts below are indicative only."
            : "The figures of the benchmark issue: the service against `multiprocessing.Pool` and `ProcessPoolExecutor` on the same machine, in the same run.");
        md.AppendLine();
        md.AppendLine($"Produced by `dotnet run -c Release --project bench/JobService.Bench{(options.Quick ? " -- --quick" : "")}` (see `bench/README.md`); regenerate rather than edit.");
        md.AppendLine();
        Machine(md);
        Method(md);
        Figures(md);
        Goals(md);
        TimeSplit(md);
        Memory(md);
        Runs(md);
        return md.ToString();
    }

    /// <summary>The heading and the rows of the machine table that every report shares.</summary>
    internal static void MachineRows(StringBuilder md, MachineInfo machine)
    {
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| date | {machine.Date.ToString("yyyy-MM-dd HH:mm", Invariant)} UTC |");
        md.AppendLine($"| cores (`nproc`) | {machine.Cores} |");
        md.AppendLine($"| CPU | {machine.CpuModel} |");
        md.AppendLine($"| memory | {machine.Memory} |");
        md.AppendLine($"| OS | {machine.Os} |");
        md.AppendLine($"| .NET | {machine.DotnetRuntime} (SDK {machine.DotnetSdk}) |");
    }

    private void Machine(StringBuilder md)
    {
        MachineRows(md, machine);
        md.AppendLine($"| Python | {machine.Python} |");
        md.AppendLine($"| service | `src/` at {machine.Commit}; Release; `Workers:Count=2`, `Jobs:Retention=00:00:20`, InMemory storage, Serilog at Warning |");
        md.AppendLine($"| load average (1/5/15 min) | at start {machine.LoadAtStart}; after each workload: {string.Join("; ", results.Select(r => $"({r.Workload.Key}) {r.LoadAfter}"))} |");
        md.AppendLine();
    }

    private void Method(StringBuilder md)
    {
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine($"- {options.Runs} timed runs of each workload on each side, alternating: service, Python, service, Python… Figures are medians of the runs.");
        md.AppendLine("- **Service**: the Release build started once (`dotnet JobService.Api.dll`, 2 worker processes), warmed with rounds of one small run of every workload until a round compiled fewer than " +
            $"{ServiceWorkloads.SettledMethods} methods (the node's `dotnet.jit.compiled_methods`; at most {ServiceWorkloads.MaxWarmUpRounds} rounds; this run: {warmUp}). " +
            "Each run is timed on the client from the first byte of `POST /jobs` until the last result has been read over HTTP and parsed " +
            "(`GET /jobs/{id}/results?wait=300` read as it streams with `Utf8JsonReader`; every entry's state and index checked, results checked " +
            "against the expected values). The client (`HttpClient`, `SocketsHttpHandler`, loopback) runs on the same 2 cores as the service and its workers.");
        md.AppendLine("- **Python**: `bench/python_pools.py MODE`, 2 workers, a fresh interpreter per run. Pool start-up is **excluded**, as on the service side " +
            "(the service is already running): the pool is created and warmed (one short task per worker) before the clock starts; the clock stops " +
            "when the last result is in the parent process.");
        md.AppendLine("- Only figures of the same run are compared: Python's times on this VM vary from day to day (a single-process loop of f over " +
            "1..99,999 takes 0.5–1 s), so reference numbers measured at another time are not used.");
        md.AppendLine("- **(g)** is not one of the issue's workloads: it repeats (e) but waits future by future (`GET /futures/{id}?wait`), " +
            "to tell the cost of `POST /futures/wait` apart from the cost of running the jobs.");
        md.AppendLine("- **(h)** is (c) through the .NET client (`src/Client`): `JobServiceExecutor.MapAsync<int>(\"echo\", Enumerable.Range(0, n))`, " +
            "timed from the call (items encoded inside the clock) until the last value has been parsed from the streamed compact results " +
            "(`shape=compact`, `Utf8JsonReader`) and handed to the `await foreach`; each value checked. Before each run the bench waits until the node holds no job.");
        md.AppendLine("- **Ratio** = service ÷ Python on time (latency for (d)); below 1× the service is faster. For rates, the ratio is of the times for the same count.");
        md.AppendLine("- **Memory**: VmRSS of the API process (`/proc/PID/status`; workers not included), sampled every 50 ms during each service run; " +
            "\"peak\" is the highest sample. Before each (c) run the bench waits until the node holds no job; after it, Jobs:Retention + 15 s, " +
            "checks `GET /jobs/{id}` answers 404, and reads VmRSS again.");
        md.AppendLine();
    }

    private void Figures(StringBuilder md)
    {
        md.AppendLine($"## Results (median of {options.Runs} runs)");
        md.AppendLine();
        md.AppendLine("| | workload | service | Python | service ÷ Python |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var result in results)
        {
            var key = result.Workload.Key;
            switch (key)
            {
                case 'd':
                    var p50 = Median(result.Service.Select(r => r.P50Ms!.Value));
                    var p99 = Median(result.Service.Select(r => r.P99Ms!.Value));
                    var python = result.Python[Catalog.PpeRoundTrip.Mode];
                    var pyP50 = Median(python.Select(r => r.P50Ms!.Value));
                    var pyP99 = Median(python.Select(r => r.P99Ms!.Value));
                    md.AppendLine($"| (d) | {result.Title}: **p50** | {Ms(p50)} | {Catalog.PpeRoundTrip.Label}: {Ms(pyP50)} | {Ratio(p50 / pyP50)} |");
                    md.AppendLine($"| (d) | same: **p99** | {Ms(p99)} | {Ms(pyP99)} | {Ratio(p99 / pyP99)} |");
                    break;
                default:
                    var first = true;
                    foreach (var mode in result.Workload.Python)
                    {
                        var service = ServiceSeconds(result);
                        var pythonSeconds = Median(result.Python[mode.Mode].Select(r => r.Seconds));
                        var serviceText = result.Service[0].PerSecond is null ? Seconds(service) : $"{Seconds(service)} ({Rate(result.Service.Count == 0 ? 0 : Median(result.Service.Select(r => r.PerSecond!.Value)))})";
                        var pythonText = result.Python[mode.Mode][0].PerSecond is null ? Seconds(pythonSeconds) : $"{Seconds(pythonSeconds)} ({Rate(Median(result.Python[mode.Mode].Select(r => r.PerSecond!.Value)))})";
                        md.AppendLine($"| ({key}) | {(first ? result.Title : "same")} | {(first ? serviceText : "″")} | {mode.Label}: {pythonText} | {Ratio(service / pythonSeconds)} |");
                        first = false;
                    }
                    break;
            }
        }
        md.AppendLine();
        if (Find('c') is { } c)
            md.AppendLine($"(c): the `POST /jobs` response was {c.Service.Max(r => r.PostResponseBytes ?? 0):N0} bytes; the results body {c.Service.Max(r => r.ResultsBytes ?? 0) / 1e6:F1} MB, streamed.");
        foreach (var e in results.Where(r => r.Workload.Key is 'e' or 'g'))
            md.AppendLine($"({e.Workload.Key}): the submit phase alone ran at {Rate(Median(e.Service.Select(r => r.SubmitPerSecond!.Value)))}; " +
                $"futures already expired when waited on: {e.Service.Sum(r => r.ExpiredBeforeWait ?? 0)} (expired means terminal). Python's figure is one client submitting {options.Sizes.ThroughputSubmits:N0} calls.");
        md.AppendLine();
    }

    private void Goals(StringBuilder md)
    {
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | target | measured | verdict |");
        md.AppendLine("| --- | --- | --- | --- |");
        var a = Find('a');
        var b = Find('b');
        var c = Find('c');
        var d = Find('d');
        var e = Find('e');
        var f = Find('f');

        if (a is not null)
        {
            var ratio = ServiceSeconds(a) / PythonSeconds(a, Catalog.PoolMapF);
            Goal(md, "1. power_sum, automatic chunks", "≤ 0.5× Pool.map", $"{Ratio(ratio)} ({Seconds(ServiceSeconds(a))} vs {Seconds(PythonSeconds(a, Catalog.PoolMapF))})", ratio <= 0.5);
        }
        if (a is not null && b is not null)
        {
            var ratio = ServiceSeconds(b) / ServiceSeconds(a);
            var pythonRatio = PythonSeconds(b, Catalog.PpeMapFChunksize1) / PythonSeconds(a, Catalog.PoolMapF);
            Goal(md, "2. power_sum, chunksize 1", "≤ 3× our automatic chunks (Python: PPE chunksize=1 ÷ Pool.map)",
                $"{Ratio(ratio)} ({Seconds(ServiceSeconds(b))} vs {Seconds(ServiceSeconds(a))}); Python {Ratio(pythonRatio)}", ratio <= 3);
        }
        if (c is not null)
        {
            var service = ServiceSeconds(c);
            var ppe = service / PythonSeconds(c, Catalog.PpeMapIdentityChunked);
            var pool = service / PythonSeconds(c, Catalog.PoolMapIdentity);
            var response = c.Service.Max(r => r.PostResponseBytes ?? 0);
            Goal(md, "3. echo over the items, end to end", "≤ 1.0× PPE chunked", $"{Ratio(ppe)} ({Seconds(service)} vs {Seconds(PythonSeconds(c, Catalog.PpeMapIdentityChunked))})", ppe <= 1.0);
            Goal(md, "3. (stretch)", "≤ 1.0× Pool.map", $"{Ratio(pool)} (vs {Seconds(PythonSeconds(c, Catalog.PoolMapIdentity))})", pool <= 1.0);
            Goal(md, "3. POST /jobs response stays small", $"≤ {MaxPostResponseBytes:N0} bytes", $"{response:N0} bytes", response <= MaxPostResponseBytes);
        }
        if (d is not null)
        {
            var p50 = Median(d.Service.Select(r => r.P50Ms!.Value));
            var p99 = Median(d.Service.Select(r => r.P99Ms!.Value));
            Goal(md, "4. submit + wait round trip, p50", "≤ 1 ms", Ms(p50), p50 <= 1);
            Goal(md, "4. submit + wait round trip, p99", "≤ 5 ms", Ms(p99), p99 <= 5);
        }
        if (e is not null)
        {
            var rate = Median(e.Service.Select(r => r.PerSecond!.Value));
            Goal(md, "5. single-call submits, 16 clients", "≥ 5,000 jobs/s, every future terminal", $"{Rate(rate)}, all terminal", rate >= 5000);
        }
        if (Find('g') is { } g)
        {
            var rate = Median(g.Service.Select(r => r.PerSecond!.Value));
            Goal(md, "5. (the same, each client GETs its futures with ?wait)", "≥ 5,000 jobs/s, every future terminal", $"{Rate(rate)}, all terminal", rate >= 5000);
        }
        if (f is not null)
        {
            var ratio = ServiceSeconds(f) / PythonSeconds(f, Catalog.PpeSubmits);
            Goal(md, "5. calls batch in one request", "faster than PPE's submits (< 1.0×)",
                $"{Ratio(ratio)} ({Rate(Median(f.Service.Select(r => r.PerSecond!.Value)))} vs {Rate(Median(f.Python[Catalog.PpeSubmits.Mode].Select(r => r.PerSecond!.Value)))})", ratio < 1.0);
        }
        if (c is not null)
        {
            var peak = c.Service.Max(r => r.Memory.PeakBytes) / 1e6;
            Goal(md, "6. peak API memory, echo job", $"≤ {MaxPeakMegabytes:N0} MB", $"{peak:F0} MB (highest of {c.Service.Count} runs)", peak <= MaxPeakMegabytes);
            var returned = c.Service.Select(ReturnedShare).Min();
            var run = c.Service.MinBy(ReturnedShare)!;
            Goal(md, "6. memory returns after the job expires", $"≥ {MinReturnedShare:P0} of the job's growth given back",
                $"{returned:P0} (worst run: {run.Memory.BeforeBytes / 1e6:F0} MB before, {run.Memory.PeakBytes / 1e6:F0} MB peak, " +
                $"{run.Memory.AfterExpiryBytes / 1e6:F0} MB after expiry, 404 after {run.ExpiredAfterSeconds:F0} s)", returned >= MinReturnedShare);
        }
        if (Find('h') is { } h)
        {
            var ratio = ServiceSeconds(h) / PythonSeconds(h, Catalog.PpeMapIdentityChunked);
            Goal(md, "7. echo through the .NET client, end to end (issue 9)", "≤ 0.7× PPE chunked",
                $"{Ratio(ratio)} ({Seconds(ServiceSeconds(h))} vs {Seconds(PythonSeconds(h, Catalog.PpeMapIdentityChunked))})", ratio <= 0.7);
        }
        md.AppendLine();
    }

    private void TimeSplit(StringBuilder md)
    {
        var timed = results.Where(r => r.Service.All(s => s.Timings is not null)).ToArray();
        if (timed.Length == 0) return;
        md.AppendLine("## Where the service's time goes (medians)");
        md.AppendLine();
        md.AppendLine("Client and server share one wall clock. *sent → created*: upload, parsing, validation, storing the items (the job is created " +
            "once its body is read); *created → started*: until the first item runs (Hangfire dispatch, worker lease); *started → completed*: running every item " +
            "in the workers and recording the results; *completed → read*: the rest of the results stream and its parsing on the client after the " +
            "last item completed. The results stream while the job runs, so the 202 (*POST → 202*, a separate column) may come after the first items start.");
        md.AppendLine();
        md.AppendLine("| workload | end to end | POST → 202 | sent → created | created → started | started → completed | completed → read |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var result in timed)
        {
            double M(Func<JobTimings, double> pick) => Median(result.Service.Select(r => pick(r.Timings!)));
            md.AppendLine($"| ({result.Workload.Key}) | {Seconds(ServiceSeconds(result))} | {Seconds(M(t => t.PostSeconds))} | {Seconds(M(t => t.UntilCreatedSeconds))} | " +
                $"{Seconds(M(t => t.QueuedSeconds))} | {Seconds(M(t => t.RanSeconds))} | {Seconds(M(t => t.TailSeconds))} |");
        }
        md.AppendLine();
    }

    private void Memory(StringBuilder md)
    {
        md.AppendLine("## API memory (VmRSS of the API process, MB = 10⁶ bytes)");
        md.AppendLine();
        md.AppendLine("| workload | before (first run) | peak during a run (highest of runs) | VmHWM after the last run | after expiry (per run) |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var result in results)
        {
            var after = result.Service.Any(r => r.Memory.AfterExpiryBytes is not null)
                ? string.Join(", ", result.Service.Select(r => $"{r.Memory.AfterExpiryBytes / 1e6:F0}"))
                : "";
            md.AppendLine($"| ({result.Workload.Key}) | {result.Service[0].Memory.BeforeBytes / 1e6:F0} | {result.Service.Max(r => r.Memory.PeakBytes) / 1e6:F0} | " +
                $"{result.Service[^1].Memory.HwmBytes / 1e6:F0} | {after} |");
        }
        md.AppendLine();
    }

    private void Runs(StringBuilder md)
    {
        md.AppendLine("## Every run");
        md.AppendLine();
        md.AppendLine("| workload | side | runs, in order |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var result in results)
        {
            var key = result.Workload.Key;
            md.AppendLine(key == 'd'
                ? $"| ({key}) | service p50 / p99 | {string.Join(", ", result.Service.Select(r => $"{Ms(r.P50Ms!.Value)} / {Ms(r.P99Ms!.Value)}"))} |"
                : $"| ({key}) | service | {string.Join(", ", result.Service.Select(r => Seconds(r.Seconds)))} |");
            foreach (var mode in result.Workload.Python)
                md.AppendLine(key == 'd'
                    ? $"| ({key}) | {mode.Mode} p50 / p99 | {string.Join(", ", result.Python[mode.Mode].Select(r => $"{Ms(r.P50Ms!.Value)} / {Ms(r.P99Ms!.Value)}"))} |"
                    : $"| ({key}) | {mode.Mode} | {string.Join(", ", result.Python[mode.Mode].Select(r => Seconds(r.Seconds)))} |");
        }
        md.AppendLine();
    }

    /// <summary>Share of the job's growth (peak − before) given back by the time it expired.</summary>
    private static double ReturnedShare(ServiceRun run)
    {
        var grown = run.Memory.PeakBytes - run.Memory.BeforeBytes;
        if (grown <= 0 || run.Memory.AfterExpiryBytes is not { } after) return 1;
        return Math.Clamp((double)(run.Memory.PeakBytes - after) / grown, 0, 1);
    }

    private WorkloadResult? Find(char key) => results.FirstOrDefault(r => r.Workload.Key == key);

    private static double ServiceSeconds(WorkloadResult result) => Median(result.Service.Select(r => r.Seconds));

    private static double PythonSeconds(WorkloadResult result, PythonMode mode) => Median(result.Python[mode.Mode].Select(r => r.Seconds));

    private static void Goal(StringBuilder md, string goal, string target, string measured, bool met) =>
        md.AppendLine($"| {goal} | {target} | {measured} | **{(met ? "met" : "not met")}** |");

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    internal static string Seconds(double seconds) => seconds.ToString("F3", Invariant) + " s";
    internal static string Ms(double ms) => ms.ToString("F3", Invariant) + " ms";
    internal static string Rate(double perSecond) => perSecond.ToString("N0", Invariant) + "/s";
    internal static string Ratio(double ratio) => ratio.ToString(ratio < 10 ? "F2" : "F1", Invariant) + "×";
}
