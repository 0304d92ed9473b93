using System.Globalization;
using System.Text;
using JobService.Bench.Postgres;
using JobService.Bench.Workloads;
using static JobService.Bench.Report.MarkdownReport;

namespace JobService.Bench.Report;

/// <summary>docs/benchmarks-postgres.md: the machine and cluster, the method, the medians and ratios, a verdict per goal, every run.</summary>
internal sealed class PostgresReport(PostgresResults results)
{
    private const double MinSubmitsVsRaw = 10;
    private const double MaxP50Ms = 5;
    private const double MaxP99Ms = 25;
    private const double MaxPowerSumRatio = 1.3;
    private const double MaxEchoRatio = 2;
    private const double MaxPeakMegabytes = 300;
    private const double MinScaleOutRatio = 0.8;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly BenchOptions _options = results.Options;
    private readonly PostgresSizes _sizes = results.Sizes;

    public string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks on PostgreSQL");
        md.AppendLine();
        md.AppendLine(_options.Quick
            ? "**Quick run** (`--quick`): smaller sizes than the goals are stated for; the verdicts below are indicative only."
            : "The performance goals of the PostgreSQL provider: the service on PostgreSQL against raw Hangfire.PostgreSql, against " +
              "itself on InMemory, and two nodes against one, on the same machine, in the same run.");
        md.AppendLine();
        md.AppendLine($"Produced by `dotnet run -c Release --project bench/JobService.Bench -- --postgres{(_options.Quick ? " --quick" : "")}` " +
            "(see `bench/README.md`); regenerate rather than edit. The InMemory figures of `docs/benchmarks.md` come from another run.");
        md.AppendLine();
        Machine(md);
        Method(md);
        Figures(md);
        Goals(md);
        TimeSplit(md);
        Cpu(md);
        Runs(md);
        return md.ToString();
    }

    private void Machine(StringBuilder md)
    {
        var machine = results.Machine;
        MarkdownReport.MachineRows(md, machine);
        md.AppendLine($"| PostgreSQL | {results.PostgresVersion}: a private cluster made for the run (the tests' `PostgresServer`, C locale), on loopback and " +
            "the same cores; `fsync`, `synchronous_commit` and `full_page_writes` on (defaults), `shared_buffers=128MB`, `max_connections=300` |");
        md.AppendLine($"| service | `src/` at {machine.Commit}; Release; Serilog at Warning; PostgreSQL nodes `Storage:Provider=PostgreSql`, " +
            $"`Jobs:Retention={PostgresSection.PostgresRetention:c}`; the InMemory node `Jobs:Retention={PostgresSection.InMemoryRetention:c}` |");
        md.AppendLine($"| load average (1/5/15 min) | at start {machine.LoadAtStart}; after {string.Join("; ", results.Loads.Select(l => $"{l.After}: {l.Load}"))} |");
        md.AppendLine();
    }

    private void Method(StringBuilder md)
    {
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine($"- {_options.Runs} timed runs of every measurement; within a run the configurations compared take turns going first " +
            "(run 1: InMemory, then PostgreSQL; one node, then two; run 2 the other way round…). Figures are medians of the runs. " +
            $"(a), a fraction of a second, is measured {_sizes.PowerSumPairs} times per run, in pairs whose first configuration alternates too; " +
            $"its figures are the medians of all {_sizes.PowerSumPairs * _options.Runs} measurements; goal 5's submits likewise, " +
            $"{_sizes.ScaleOutPairs} pairs per run ({_sizes.ScaleOutPairs * _options.Runs} measurements of each configuration).");
        md.AppendLine("- Every configuration has a fresh database of its own on one PostgreSQL cluster, started with the run (durable: fsync on) " +
            "and thrown away after it. The cluster, every service node, its workers and the bench client share the machine's cores. " +
            "Before each measurement, untimed, the bench waits until no autovacuum worker runs (at most 30 s): the vacuum a million-item " +
            "job leaves would otherwise land in whatever is measured next, on any configuration. It forces no `CHECKPOINT` (it did until " +
            "2026-11-27): after one, the first write to every page logs the whole page, which PostgreSQL pays once per checkpoint cycle " +
            "(5 minutes by default), not before every job; measured in the lab, a `CHECKPOINT` before each `power_sum` job added 15 ms of " +
            "database CPU to it (70 against 55 ms). The checkpointer spreads its own flushes, as in service.");
        md.AppendLine($"- **Raw Hangfire.PostgreSql** (the baseline of goal 1), in the bench process: `PostgreSqlStorage` (schema `hangfire_raw`, " +
            "`PrepareSchemaIfNecessary`, `EnableLongPolling`, `QueuePollInterval` 5 s, a fresh database per run) and a `BackgroundJobServer` with " +
            $"`WorkerCount = {RawHangfire.WorkerCount}` running a no-op static method. {_sizes.Clients} client threads call `BackgroundJobClient.Enqueue` " +
            $"{_sizes.RawJobs:N0} times in all. *Enqueued and run*: jobs ÷ (first `Enqueue` → every job Succeeded: the job's own counter, then " +
            "`SucceededListCount()`). *Enqueue phase*: jobs ÷ (first `Enqueue` → last `Enqueue` returned), while the server runs them. " +
            "*Enqueue → start*: from just before `Enqueue` is called (a `Stopwatch` timestamp passed as the job's argument) until the job method " +
            $"starts, queued behind the other jobs; then {_sizes.RawProbes} jobs enqueued one at a time, each once the one before has started (*one job at a time*, " +
            $"the latency a lone caller sees). Warmed with {RawHangfire.WarmupJobs} jobs on a database of their own; the server is stopped after each run.");
        md.AppendLine("- **Goals 1–4**: one node on PostgreSQL and one on InMemory, 2 worker processes each, started together and warmed with rounds of one small " +
            $"run of every workload until a round compiled fewer than {ServiceWorkloads.SettledMethods} methods (at most {ServiceWorkloads.MaxWarmUpRounds} rounds; " +
            $"this run: {string.Join("; ", results.WarmUps.Select(w => $"{w.Key} {w.Value}"))}). Each run: raw Hangfire, then (c), (a), (e) and (d), each on both nodes ((e) and (d) on InMemory are not goals: " +
            "they tell what PostgreSQL adds per job). The workloads are " +
            "`docs/benchmarks.md`'s, timed on the client end to end over HTTP: (a) `power_sum` map over 1.." +
            $"{_sizes.PowerSumItems:N0}, automatic chunks, every result read; (c) `echo` map over 0..{_sizes.EchoItems - 1:N0}, every result read; " +
            $"(d) {_sizes.LatencyIterations:N0} sequential `POST /jobs` submit echo + `GET /futures/{{id}}?wait=10` pairs after {_sizes.LatencyWarmup} untimed; " +
            $"(e) {_sizes.Submits:N0} single-call echo submits from {_sizes.Clients} clients, then `POST /futures/wait` ALL_COMPLETED.");
        md.AppendLine("- **Expiry**: the PostgreSQL nodes keep every job for the whole run (retention 1 h), so no delete of a finished million-item job " +
            "lands in a later measurement; their databases grow from run to run. The InMemory node forgets jobs after 20 s, and its (c) starts " +
            "once it holds no job, as in `docs/benchmarks.md`; the PostgreSQL node's (c) does not wait.");
        md.AppendLine($"- **Goal 5**: a node with 2 workers on one database against two nodes with 1 worker each on another, all three running " +
            $"through this part. {_sizes.ScaleOutSubmits:N0} single-call echo submits from {_sizes.Clients} clients, client *c* talking to node " +
            "*c* mod *nodes* only (8 and 8 on two nodes); each client submits its share, then waits for its own futures on its own node with " +
            "`POST /futures/wait`. jobs/s = submits ÷ (first POST → every future terminal). Each configuration is warmed first as goals 1–4's " +
            $"nodes are, with rounds of {ScaleOutWorkload.WarmUpSubmits} submits and a small fib map, until a round makes none of its nodes compile " +
            $"{ServiceWorkloads.SettledMethods} methods (at most {ServiceWorkloads.MaxWarmUpRounds} rounds; this run: {string.Join("; ", results.ScaleOutWarmUps.Select(w => $"{w.Key} {w.Value}"))}). The three nodes share the " +
            "machine's cores with each other, the database and the clients, and run as the README says co-located nodes should, with " +
            "`DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0` (an idle thread-pool thread of one node then does not spin on a core another needs; " +
            "measured on warmed nodes, two 1-worker nodes did 600/s with the spin and 730/s without, one 2-worker node 930/s either way). " +
            $"Not a goal: a CPU-bound map, `fib({_sizes.FibValue})` over {_sizes.FibItems} items with chunksize 1, posted to one node of each " +
            "configuration (on two nodes, both nodes' workers can take its units).");
        md.AppendLine("- **Ratios**: goal 1, the service's jobs/s ÷ raw Hangfire's enqueued-and-run/s; goals 3 and 4, PostgreSQL's time ÷ InMemory's; " +
            "goal 5, two nodes' jobs/s ÷ one node's. **Memory**: VmRSS of the API process (`/proc/PID/status`; workers not included), sampled " +
            "every 50 ms during each run; the goal takes the highest sample of any run.");
        md.AppendLine($"- **Sizes**: the counts of jobs and round trips are smaller than in `docs/benchmarks.md` and than the goals were first " +
            $"sketched with ((e) 20,000 submits, (d) 2,000 round trips, raw Hangfire 2,000 jobs, goal 5 10,000 submits): at the rates first measured " +
            $"here (a few hundred service jobs/s, 30–50 raw Hangfire jobs/s, on a shared 2-core machine) those would take 15–20 minutes for 3 runs. Here: raw Hangfire {_sizes.RawJobs:N0}, (e) {_sizes.Submits:N0}, " +
            $"(d) {_sizes.LatencyIterations:N0}, goal 5 {_sizes.ScaleOutSubmits:N0}; every goal is a rate, a latency or a ratio, so the count only " +
            $"sets how long it is measured. The maps keep their full sizes. This run took {results.TotalSeconds / 60:F1} minutes.");
        md.AppendLine("- A workload that does not finish within 5 minutes (a raw Hangfire run: 2) stops the run with the nodes' and the cluster's logs " +
            "(none did in this run).");
        md.AppendLine("- A raw Hangfire run in which no job starts for 15 s while some wait (Hangfire.PostgreSql fetched a job and did not run it) is void " +
            "and repeated once on a fresh database: " + (results.RawStalls.Count == 0 ? "none stalled in this run." : string.Join("; ", results.RawStalls) + "."));
        md.AppendLine();
    }

    private void Figures(StringBuilder md)
    {
        var raw = results.Raw;
        md.AppendLine($"## Results (median of {_options.Runs} runs)");
        md.AppendLine();
        md.AppendLine($"Raw Hangfire.PostgreSql, {_sizes.RawJobs:N0} no-op jobs, {_sizes.Clients} enqueuing threads, {RawHangfire.WorkerCount} workers:");
        md.AppendLine();
        md.AppendLine("| enqueued and run | enqueue phase | enqueue → start, p50 (p99), queued behind the others | enqueue → start, p50, one job at a time |");
        md.AppendLine("| --- | --- | --- | --- |");
        md.AppendLine($"| {Rate(Median(raw.Select(r => r.PerSecond)))} ({Seconds(Median(raw.Select(r => r.Seconds)))}) | {Rate(Median(raw.Select(r => r.EnqueuePerSecond)))} | " +
            $"{Ms(Median(raw.Select(r => r.P50StartMs)))} ({Ms(Median(raw.Select(r => r.P99StartMs)))}) | {Ms(Median(raw.Select(r => r.LoneP50StartMs)))} |");
        md.AppendLine();
        md.AppendLine("| goal | workload | on PostgreSQL | compared with | ratio |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        var submits = Median(results.Submits.Select(r => r.PerSecond!.Value));
        var rawRate = Median(raw.Select(r => r.PerSecond));
        md.AppendLine($"| 1 | (e) {_sizes.Submits:N0} single-call submits, {_sizes.Clients} clients, until all terminal | " +
            $"{Seconds(Median(results.Submits.Select(r => r.Seconds)))} ({Rate(submits)}); submit phase {Rate(Median(results.Submits.Select(r => r.SubmitPerSecond!.Value)))} | " +
            $"raw Hangfire enqueued and run: {Rate(rawRate)} | {Ratio(submits / rawRate)} |");
        var submitsInMemory = Median(results.SubmitsInMemory.Select(r => r.PerSecond!.Value));
        md.AppendLine($"| (not a goal) | (e) the same | ″ | InMemory: {Seconds(Median(results.SubmitsInMemory.Select(r => r.Seconds)))} ({Rate(submitsInMemory)}) | " +
            $"{Ratio(submits / submitsInMemory)} (rate) |");
        var p50 = Median(results.Latency.Select(r => r.P50Ms!.Value));
        var p99 = Median(results.Latency.Select(r => r.P99Ms!.Value));
        var p50InMemory = Median(results.LatencyInMemory.Select(r => r.P50Ms!.Value));
        var p99InMemory = Median(results.LatencyInMemory.Select(r => r.P99Ms!.Value));
        md.AppendLine($"| 2 | (d) submit echo + GET ?wait, {_sizes.LatencyIterations:N0} sequential: **p50** | {Ms(p50)} | InMemory (not a goal): {Ms(p50InMemory)} | {Ratio(p50 / p50InMemory)} |");
        md.AppendLine($"| 2 | same: **p99** | {Ms(p99)} | InMemory (not a goal): {Ms(p99InMemory)} | {Ratio(p99 / p99InMemory)} |");
        Compare(md, "3", $"(a) power_sum map over 1..{_sizes.PowerSumItems:N0}", results.PowerSumPostgres, results.PowerSumInMemory);
        Compare(md, "4", $"(c) echo map over 0..{_sizes.EchoItems - 1:N0}", results.EchoPostgres, results.EchoInMemory);
        md.AppendLine($"| 4 | (c) peak API VmRSS (highest of the runs) | {PeakMb(results.EchoPostgres):F0} MB | InMemory: {PeakMb(results.EchoInMemory):F0} MB | |");
        var one = Median(results.OneNode.Select(r => r.PerSecond));
        var two = Median(results.TwoNodes.Select(r => r.PerSecond));
        md.AppendLine($"| 5 | {_sizes.ScaleOutSubmits:N0} single-call submits, {_sizes.Clients} clients, until all terminal | two nodes × 1 worker: " +
            $"{Seconds(Median(results.TwoNodes.Select(r => r.Seconds)))} ({Rate(two)}); submit phase {Rate(Median(results.TwoNodes.Select(r => r.SubmitPerSecond)))} | " +
            $"one node × 2 workers: {Seconds(Median(results.OneNode.Select(r => r.Seconds)))} ({Rate(one)}); submit phase " +
            $"{Rate(Median(results.OneNode.Select(r => r.SubmitPerSecond)))} | {Ratio(two / one)} |");
        var fibOne = Median(results.FibOneNode.Select(r => r.Seconds));
        var fibTwo = Median(results.FibTwoNodes.Select(r => r.Seconds));
        md.AppendLine($"| (not a goal) | fib({_sizes.FibValue}) map over {_sizes.FibItems} items, chunksize 1, end to end | two nodes × 1 worker: {Seconds(fibTwo)} | " +
            $"one node × 2 workers: {Seconds(fibOne)} | {Ratio(fibOne / fibTwo)} (throughput) |");
        md.AppendLine();
        md.AppendLine($"(c) on PostgreSQL: the `POST /jobs` response was {results.EchoPostgres.Max(r => r.PostResponseBytes ?? 0):N0} bytes; " +
            $"the results body {results.EchoPostgres.Max(r => r.ResultsBytes ?? 0) / 1e6:F1} MB, streamed. (e) on PostgreSQL: futures already " +
            $"expired when waited on: {results.Submits.Sum(r => r.ExpiredBeforeWait ?? 0)}.");
        md.AppendLine();
    }

    private static void Compare(StringBuilder md, string goal, string workload, List<ServiceRun> postgres, List<ServiceRun> inMemory)
    {
        var onPostgres = Median(postgres.Select(r => r.Seconds));
        var onInMemory = Median(inMemory.Select(r => r.Seconds));
        md.AppendLine($"| {goal} | {workload}, automatic chunks, end to end | {Seconds(onPostgres)} | InMemory: {Seconds(onInMemory)} | {Ratio(onPostgres / onInMemory)} |");
    }

    private void Goals(StringBuilder md)
    {
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | target | measured | verdict |");
        md.AppendLine("| --- | --- | --- | --- |");
        var submits = Median(results.Submits.Select(r => r.PerSecond!.Value));
        var raw = Median(results.Raw.Select(r => r.PerSecond));
        Goal(md, "1. single-call submits on PostgreSQL, 16 clients", $"≥ {MinSubmitsVsRaw:F0}× raw Hangfire.PostgreSql's enqueued-and-run rate",
            $"{Ratio(submits / raw)} ({Rate(submits)} vs {Rate(raw)})", submits / raw >= MinSubmitsVsRaw);
        var p50 = Median(results.Latency.Select(r => r.P50Ms!.Value));
        var p99 = Median(results.Latency.Select(r => r.P99Ms!.Value));
        Goal(md, "2. submit + wait round trip on PostgreSQL, p50", $"≤ {MaxP50Ms:F0} ms", Ms(p50), p50 <= MaxP50Ms);
        Goal(md, "2. submit + wait round trip on PostgreSQL, p99", $"≤ {MaxP99Ms:F0} ms", Ms(p99), p99 <= MaxP99Ms);
        var power = Median(results.PowerSumPostgres.Select(r => r.Seconds)) / Median(results.PowerSumInMemory.Select(r => r.Seconds));
        Goal(md, "3. power_sum map, PostgreSQL vs InMemory", $"≤ {MaxPowerSumRatio:F1}×", $"{Ratio(power)} ({Seconds(Median(results.PowerSumPostgres.Select(r => r.Seconds)))} " +
            $"vs {Seconds(Median(results.PowerSumInMemory.Select(r => r.Seconds)))})", power <= MaxPowerSumRatio);
        var echo = Median(results.EchoPostgres.Select(r => r.Seconds)) / Median(results.EchoInMemory.Select(r => r.Seconds));
        Goal(md, "4. echo over the items end to end, PostgreSQL vs InMemory", $"≤ {MaxEchoRatio:F0}×", $"{Ratio(echo)} ({Seconds(Median(results.EchoPostgres.Select(r => r.Seconds)))} " +
            $"vs {Seconds(Median(results.EchoInMemory.Select(r => r.Seconds)))})", echo <= MaxEchoRatio);
        var peak = PeakMb(results.EchoPostgres);
        Goal(md, "4. peak API memory on PostgreSQL, echo job", $"≤ {MaxPeakMegabytes:F0} MB", $"{peak:F0} MB (highest of {results.EchoPostgres.Count} runs)", peak <= MaxPeakMegabytes);
        var one = Median(results.OneNode.Select(r => r.PerSecond));
        var two = Median(results.TwoNodes.Select(r => r.PerSecond));
        Goal(md, "5. two 1-worker nodes on one database vs one 2-worker node", $"≥ {MinScaleOutRatio:F1}× the one node's jobs/s",
            $"{Ratio(two / one)} ({Rate(two)} vs {Rate(one)})", two / one >= MinScaleOutRatio);
        md.AppendLine();
    }

    private void TimeSplit(StringBuilder md)
    {
        md.AppendLine("## Where the service's time goes (medians)");
        md.AppendLine();
        md.AppendLine("As in `docs/benchmarks.md`: the client's instants and the server's timestamps of the job (`GET /jobs/{id}`), on one wall clock. " +
            "*sent → created*: upload, parsing, storing the items; *created → started*: until the first item runs; *started → completed*: running " +
            "every item and recording its result; *completed → read*: the rest of the results stream after the last item completed.");
        md.AppendLine();
        md.AppendLine("| workload | node | end to end | POST → 202 | sent → created | created → started | started → completed | completed → read |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        Split(md, "(a)", "PostgreSQL", results.PowerSumPostgres);
        Split(md, "(a)", "InMemory", results.PowerSumInMemory);
        Split(md, "(c)", "PostgreSQL", results.EchoPostgres);
        Split(md, "(c)", "InMemory", results.EchoInMemory);
        Split(md, "fib map", "one node", results.FibOneNode);
        Split(md, "fib map", "two nodes", results.FibTwoNodes);
        md.AppendLine();
    }

    private static void Split(StringBuilder md, string workload, string node, List<ServiceRun> runs)
    {
        if (runs.Count == 0 || runs.Any(r => r.Timings is null)) return;
        double M(Func<JobTimings, double> pick) => Median(runs.Select(r => pick(r.Timings!)));
        md.AppendLine($"| {workload} | {node} | {Seconds(Median(runs.Select(r => r.Seconds)))} | {Seconds(M(t => t.PostSeconds))} | {Seconds(M(t => t.UntilCreatedSeconds))} | " +
            $"{Seconds(M(t => t.QueuedSeconds))} | {Seconds(M(t => t.RanSeconds))} | {Seconds(M(t => t.TailSeconds))} |");
    }

    private void Cpu(StringBuilder md)
    {
        md.AppendLine("## Who used the CPU (medians, CPU seconds)");
        md.AppendLine();
        md.AppendLine($"From /proc, over each measurement (including its untimed waits): the node's API process(es), their worker processes, every process " +
            $"of the PostgreSQL cluster, and the bench process (the HTTP clients; for raw Hangfire also its server). The machine has {results.Machine.Cores} cores. " +
            "The *idle* rows are two 5 s windows in a row with nothing asked, after the last run of that part: what the nodes and the cluster " +
            "cost on their own (a first window dearer than the next is work left over from the last run).");
        md.AppendLine();
        md.AppendLine("| measurement | API | workers | PostgreSQL | bench | total |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (what, runs) in results.Cpu)
            md.AppendLine($"| {what} | {Cpu(runs, c => c.Api)} | {Cpu(runs, c => c.Workers)} | {Cpu(runs, c => c.Postgres)} | {Cpu(runs, c => c.Bench)} | {Cpu(runs, c => c.Total)} |");
        md.AppendLine();
    }

    private static string Cpu(List<CpuSplit> runs, Func<CpuSplit, double> pick) => Median(runs.Select(pick)).ToString("F2", Invariant);

    private void Runs(StringBuilder md)
    {
        md.AppendLine("## Every run");
        md.AppendLine();
        md.AppendLine("| measurement | configuration | runs, in order |");
        md.AppendLine("| --- | --- | --- |");
        Row(md, "raw Hangfire: enqueued and run", "in-process, 2 workers", results.Raw.Select(r => $"{Seconds(r.Seconds)} ({Rate(r.PerSecond)})"));
        Row(md, "raw Hangfire: enqueue phase", "″", results.Raw.Select(r => Rate(r.EnqueuePerSecond)));
        Row(md, "raw Hangfire: enqueue → start p50 / p99", "″", results.Raw.Select(r => $"{Ms(r.P50StartMs)} / {Ms(r.P99StartMs)}"));
        Row(md, "raw Hangfire: enqueue → start p50, one at a time", "″", results.Raw.Select(r => Ms(r.LoneP50StartMs)));
        Row(md, "(e) single-call submits", "PostgreSQL node", results.Submits.Select(r => $"{Seconds(r.Seconds)} ({Rate(r.PerSecond!.Value)})"));
        Row(md, "(e) single-call submits", "InMemory node", results.SubmitsInMemory.Select(r => $"{Seconds(r.Seconds)} ({Rate(r.PerSecond!.Value)})"));
        Row(md, "(d) round trip p50 / p99", "PostgreSQL node", results.Latency.Select(r => $"{Ms(r.P50Ms!.Value)} / {Ms(r.P99Ms!.Value)}"));
        Row(md, "(d) round trip p50 / p99", "InMemory node", results.LatencyInMemory.Select(r => $"{Ms(r.P50Ms!.Value)} / {Ms(r.P99Ms!.Value)}"));
        Row(md, "(a) power_sum map", "PostgreSQL node", results.PowerSumPostgres.Select(r => Seconds(r.Seconds)));
        Row(md, "(a) power_sum map", "InMemory node", results.PowerSumInMemory.Select(r => Seconds(r.Seconds)));
        Row(md, "(a) PostgreSQL ÷ InMemory, pair by pair", "", results.PowerSumPostgres.Zip(results.PowerSumInMemory, (pg, memory) => Ratio(pg.Seconds / memory.Seconds)));
        Row(md, "(c) echo map (peak VmRSS)", "PostgreSQL node", results.EchoPostgres.Select(r => $"{Seconds(r.Seconds)} ({r.Memory.PeakBytes / 1e6:F0} MB)"));
        Row(md, "(c) echo map (peak VmRSS)", "InMemory node", results.EchoInMemory.Select(r => $"{Seconds(r.Seconds)} ({r.Memory.PeakBytes / 1e6:F0} MB)"));
        Row(md, "goal 5 submits", "one node × 2 workers", results.OneNode.Select(r => $"{Seconds(r.Seconds)} ({Rate(r.PerSecond)})"));
        Row(md, "goal 5 submits", "two nodes × 1 worker", results.TwoNodes.Select(r => $"{Seconds(r.Seconds)} ({Rate(r.PerSecond)})"));
        Row(md, "fib map", "one node × 2 workers", results.FibOneNode.Select(r => Seconds(r.Seconds)));
        Row(md, "fib map", "two nodes × 1 worker", results.FibTwoNodes.Select(r => Seconds(r.Seconds)));
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string measurement, string configuration, IEnumerable<string> runs) =>
        md.AppendLine($"| {measurement} | {configuration} | {string.Join(", ", runs)} |");

    private static double PeakMb(List<ServiceRun> runs) => runs.Max(r => r.Memory.PeakBytes) / 1e6;

    private static void Goal(StringBuilder md, string goal, string target, string measured, bool met) =>
        md.AppendLine($"| {goal} | {target} | {measured} | **{(met ? "met" : "not met")}** |");
}
