using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using JobService.Bench.Service;
using JobService.Client;

namespace JobService.Bench.Workloads;

/// <summary>API memory around one service run: VmRSS before, the highest VmRSS sampled during it, VmHWM after it.</summary>
internal sealed record MemoryFigures(long BeforeBytes, long PeakBytes, long HwmBytes, long? AfterExpiryBytes = null);

/// <summary>How a node was warmed: rounds run, and how many methods its last round still compiled.</summary>
internal sealed record WarmUp(int Rounds, long LastRoundMethods)
{
    public override string ToString() => $"{Rounds} round(s), the last compiling {LastRoundMethods} method(s)";
}

/// <summary>One timed service run. <see cref="Seconds"/> is what the Python side is compared with.</summary>
internal sealed record ServiceRun(double Seconds, MemoryFigures Memory)
{
    public double? PerSecond { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public int? PostResponseBytes { get; init; }
    public long? ResultsBytes { get; init; }
    public double? ExpiredAfterSeconds { get; init; }

    /// <summary>Where a map's or batch's time went: POST until 202, then the server's created → started and started → completed.</summary>
    public JobTimings? Timings { get; init; }

    /// <summary>(e): the rate of the submit phase alone (before waiting for the futures).</summary>
    public double? SubmitPerSecond { get; init; }

    /// <summary>(e): futures whose job had already expired when waited on (terminal, then forgotten).</summary>
    public int? ExpiredBeforeWait { get; init; }
}

/// <summary>
/// Where one job's end-to-end time went, on the machine's one wall clock: the client's instants (POST sent, 202 read,
/// last result parsed) and the server's (created, started, completed; from GET /jobs/{id}, read after the clock stopped).
/// </summary>
internal sealed record JobTimings(double PostSeconds, double UntilCreatedSeconds, double QueuedSeconds, double RanSeconds, double TailSeconds);

/// <summary>The service side of every workload, end to end over HTTP as a client does it: post, wait, read every result.</summary>
internal sealed class ServiceWorkloads(ServiceProcess service, TimeSpan retention) : IDisposable
{
    private const int ResultsWaitSeconds = 300;
    private readonly ServiceClient _client = new(service.BaseAddress);
    private readonly JobServiceExecutor _executor = new(service.BaseAddress);
    private double _lastPostSeconds;
    private DateTimeOffset _lastSent;
    private DateTimeOffset _lastRead;

    /// <summary>(a), (b): power_sum over 1..n; from POST /jobs until the last result has been read and parsed.</summary>
    public async Task<ServiceRun> PowerSumMapAsync(int n, int? chunksize, CancellationToken cancellationToken)
    {
        var body = MapBody("power_sum", Enumerable.Range(1, n), chunksize);
        var ((seconds, job, results), memory) = await SampledAsync(() => MapEndToEndAsync(body, PowerSumCheck, cancellationToken));
        results.Require(n, "power_sum map");
        return new ServiceRun(seconds, memory) { ResultsBytes = results.Bytes, Timings = await TimingsAsync(job.JobId, cancellationToken) };
    }

    /// <summary>
    /// (c): echo over 0..n-1, end to end, with the node holding no other job (unless not <paramref name="waitUntilEmpty"/>).
    /// With <paramref name="untilExpired"/>, then waits Jobs:Retention + 15 s, checks the job is gone (404) and reads VmRSS
    /// again: does the memory come back?
    /// </summary>
    public async Task<ServiceRun> EchoMapAsync(int n, bool untilExpired, bool waitUntilEmpty, CancellationToken cancellationToken)
    {
        if (waitUntilEmpty) await WaitUntilNoJobsAsync(cancellationToken);
        var body = MapBody("echo", Enumerable.Range(0, n), chunksize: null);
        var ((seconds, job, results), memory) = await SampledAsync(() => MapEndToEndAsync(body, (i, v) => v == i, cancellationToken));
        results.Require(n, "echo map");
        var run = new ServiceRun(seconds, memory)
        {
            PostResponseBytes = job.ResponseBytes,
            ResultsBytes = results.Bytes,
            Timings = await TimingsAsync(job.JobId, cancellationToken),
        };
        if (!untilExpired) return run;

        var sinceDone = Stopwatch.StartNew();
        await Task.Delay(retention + TimeSpan.FromSeconds(15), cancellationToken);
        while (await _client.JobExistsAsync(job.JobId, cancellationToken))
        {
            if (sinceDone.Elapsed > retention + TimeSpan.FromSeconds(90))
                throw new BenchException($"job {job.JobId} still answers 200 {sinceDone.Elapsed.TotalSeconds:F0} s after it completed (Jobs:Retention {retention})");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        return run with
        {
            Memory = memory with { AfterExpiryBytes = Rss.Read(service.Pid).CurrentBytes },
            ExpiredAfterSeconds = sinceDone.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// (h): echo over 0..n-1 through the .NET client (src/Client), as a user writes it:
    /// <c>await foreach (var x in executor.MapAsync&lt;int&gt;("echo", Enumerable.Range(0, n)))</c>. Timed from the call (the items
    /// are encoded inside the clock) until the last result has been parsed and handed out; every value checked.
    /// </summary>
    public async Task<ServiceRun> DotnetClientEchoMapAsync(int n, bool waitUntilEmpty, CancellationToken cancellationToken)
    {
        if (waitUntilEmpty) await WaitUntilNoJobsAsync(cancellationToken);
        var ((seconds, count, wrong), memory) = await SampledAsync(async () =>
        {
            var clock = Stopwatch.StartNew();
            int seen = 0, mismatches = 0;
            await foreach (var value in _executor.MapAsync<int>("echo", Enumerable.Range(0, n), cancellationToken: cancellationToken))
                if (value != seen++) mismatches++;
            return (clock.Elapsed.TotalSeconds, seen, mismatches);
        });
        if (count != n || wrong > 0) throw new BenchException($".NET client echo map: expected {n} results in order; got {count}, {wrong} wrong");
        return new ServiceRun(seconds, memory);
    }

    /// <summary>A CPU-bound map: fib(<paramref name="value"/>) over <paramref name="n"/> items with the given chunksize, end to end.</summary>
    public async Task<ServiceRun> FibMapAsync(int value, int n, int chunksize, CancellationToken cancellationToken)
    {
        var expected = Fib(value);
        var body = MapBody("fib", Enumerable.Repeat(value, n), chunksize);
        var ((seconds, job, results), memory) = await SampledAsync(() => MapEndToEndAsync(body, (_, v) => v == expected, cancellationToken));
        results.Require(n, "fib map");
        return new ServiceRun(seconds, memory) { PerSecond = n / seconds, Timings = await TimingsAsync(job.JobId, cancellationToken) };
    }

    /// <summary>(d): submit echo(i), then GET /futures/{id}?wait=10 until finished; p50 and p99 of the pair.</summary>
    public async Task<ServiceRun> SubmitLatencyAsync(int iterations, int warmup, CancellationToken cancellationToken)
    {
        var bodies = Enumerable.Range(0, warmup + iterations).Select(i => Encoding.UTF8.GetBytes($$"""{"type":"submit","function":"echo","args":[{{i}}]}""")).ToArray();
        var samples = new double[iterations];
        var (_, memory) = await SampledAsync(async () =>
        {
            var all = Stopwatch.StartNew();
            for (var i = 0; i < bodies.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var job = await _client.PostJobAsync(bodies[i], cancellationToken);
                await WaitFinishedAsync(_client, $"{job.JobId}.0", cancellationToken);
                if (i >= warmup) samples[i - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            return all.Elapsed.TotalSeconds;
        });
        Array.Sort(samples);
        return new ServiceRun(samples.Sum() / 1000, memory) { P50Ms = Percentile(samples, 50), P99Ms = Percentile(samples, 99) };
    }

    /// <summary>
    /// (e): <paramref name="clients"/> HTTP clients (one connection each) submit single echo calls, <paramref name="total"/> in all;
    /// then POST /futures/wait ALL_COMPLETED (≤ 10,000 IDs a request), or (g, <paramref name="getEach"/>) each client
    /// GETs each of its futures with ?wait. jobs/s = submits ÷ (first POST → all terminal).
    /// </summary>
    public async Task<ServiceRun> ConcurrentSubmitsAsync(int total, int clients, bool getEach, CancellationToken cancellationToken)
    {
        var http = Enumerable.Range(0, clients).Select(_ => new ServiceClient(service.BaseAddress)).ToArray();
        try
        {
            var bodies = Enumerable.Range(0, total).Select(i => Encoding.UTF8.GetBytes($$"""{"type":"submit","function":"echo","args":[{{i}}]}""")).ToArray();
            var ((seconds, submitSeconds, expired), memory) = await SampledAsync(async () =>
            {
                var clock = Stopwatch.StartNew();
                var perClient = await Task.WhenAll(http.Select(async (client, c) =>
                {
                    var ids = new List<string>();
                    for (var i = c; i < total; i += clients)
                        ids.Add($"{(await client.PostJobAsync(bodies[i], cancellationToken)).JobId}.0");
                    return ids;
                }));
                var submitted = clock.Elapsed.TotalSeconds;
                if (getEach)
                {
                    var expiredPerClient = await Task.WhenAll(http.Select(async (client, c) =>
                    {
                        var expired = 0;
                        foreach (var id in perClient[c])
                            if (await WaitFinishedAsync(client, id, cancellationToken, expiredIsDone: true)) expired++;
                        return expired;
                    }));
                    return (clock.Elapsed.TotalSeconds, submitted, expiredPerClient.Sum());
                }
                var batches = perClient.SelectMany(ids => ids).Chunk(10_000).ToArray();
                var expiredCounts = await Task.WhenAll(batches.Select((batch, b) => WaitTerminalAsync(http[b % clients], batch, cancellationToken)));
                return (clock.Elapsed.TotalSeconds, submitted, expiredCounts.Sum());
            });
            return new ServiceRun(seconds, memory) { PerSecond = total / seconds, SubmitPerSecond = total / submitSeconds, ExpiredBeforeWait = expired };
        }
        finally
        {
            foreach (var client in http) client.Dispose();
        }
    }

    /// <summary>(f): one POST of <paramref name="calls"/> different calls (echo(i) and add(i, 1) in turn), then every result.</summary>
    public async Task<ServiceRun> CallsBatchAsync(int calls, CancellationToken cancellationToken)
    {
        var body = CallsBody(calls);
        var ((seconds, job, results), memory) = await SampledAsync(() =>
            MapEndToEndAsync(body, (i, v) => v == (i % 2 == 0 ? i : i + 1), cancellationToken));
        results.Require(calls, "calls batch");
        return new ServiceRun(seconds, memory) { PerSecond = calls / seconds, ResultsBytes = results.Bytes, Timings = await TimingsAsync(job.JobId, cancellationToken) };
    }

    /// <summary>A round compiling fewer methods than this means the node's JIT has settled.</summary>
    public const int SettledMethods = 50;

    public const int MaxWarmUpRounds = 20;

    /// <summary>
    /// The untimed warm-up: rounds of every workload, small, until a round makes the node compile fewer than
    /// <see cref="SettledMethods"/> methods (its <c>dotnet.jit.compiled_methods</c>). Measured: after one round the node still
    /// compiled ~80 methods per power_sum job (tier-up of what had just become hot), about half the API's CPU of that job, and
    /// more on PostgreSQL (Npgsql's paths) than on InMemory; a measurement taken then is mostly the JIT's.
    /// </summary>
    public Task<WarmUp> WarmUpAsync(Sizes sizes, CancellationToken cancellationToken) =>
        UntilSettledAsync([_client], ct => WarmUpRoundAsync(sizes, ct), cancellationToken);

    /// <summary>
    /// Runs <paramref name="round"/> until it makes none of <paramref name="nodes"/> compile <see cref="SettledMethods"/> methods
    /// (at most <see cref="MaxWarmUpRounds"/> times); the last round's count is the most any node compiled.
    /// </summary>
    public static async Task<WarmUp> UntilSettledAsync(IReadOnlyList<ServiceClient> nodes, Func<CancellationToken, Task> round, CancellationToken cancellationToken)
    {
        var compiled = await CompiledMethodsAsync(nodes, cancellationToken);
        for (var rounds = 1; ; rounds++)
        {
            await round(cancellationToken);
            // Let tiered compilation finish promoting what the round made hot.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var now = await CompiledMethodsAsync(nodes, cancellationToken);
            var most = now.Zip(compiled, (after, before) => after - before).Max();
            if (most < SettledMethods || rounds == MaxWarmUpRounds) return new WarmUp(rounds, most);
            compiled = now;
        }
    }

    private static Task<long[]> CompiledMethodsAsync(IReadOnlyList<ServiceClient> nodes, CancellationToken cancellationToken) =>
        Task.WhenAll(nodes.Select(node => node.JitCompiledMethodsAsync(cancellationToken)));

    private async Task WarmUpRoundAsync(Sizes sizes, CancellationToken cancellationToken)
    {
        await PowerSumMapAsync(sizes.PowerSumItems, null, cancellationToken);
        await PowerSumMapAsync(sizes.PowerSumItems / 10, 1, cancellationToken);
        await MapEndToEndAsync(MapBody("echo", Enumerable.Range(0, sizes.EchoItems), null), (i, v) => v == i, cancellationToken);
        await SubmitLatencyAsync(sizes.LatencyIterations, sizes.LatencyWarmup, cancellationToken);
        await ConcurrentSubmitsAsync(sizes.ThroughputSubmits, sizes.ThroughputClients, getEach: false, cancellationToken);
        await ConcurrentSubmitsAsync(sizes.ThroughputSubmits, sizes.ThroughputClients, getEach: true, cancellationToken);
        await CallsBatchAsync(sizes.BatchCalls, cancellationToken);
        await DotnetClientEchoMapAsync(sizes.EchoItems, waitUntilEmpty: false, cancellationToken);
    }

    public void Dispose()
    {
        _client.Dispose();
        _executor.Dispose();
    }

    private async Task<(double Seconds, ServiceClient.PostedJob Job, ResultsTally Results)> MapEndToEndAsync(
        byte[] body, ResultCheck check, CancellationToken cancellationToken)
    {
        _lastSent = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var job = await _client.PostJobAsync(body, cancellationToken);
        _lastPostSeconds = clock.Elapsed.TotalSeconds;
        var results = await _client.ReadResultsAsync(job.JobId, ResultsWaitSeconds, check, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        _lastRead = DateTimeOffset.UtcNow;
        return (seconds, job, results);
    }

    /// <summary>After the clock has stopped: the last job's phases, from the client's instants and the server's timestamps.</summary>
    private async Task<JobTimings> TimingsAsync(string jobId, CancellationToken cancellationToken)
    {
        var (created, started, completed) = await _client.GetJobTimesAsync(jobId, cancellationToken);
        return new JobTimings(_lastPostSeconds, (created - _lastSent).TotalSeconds, (started - created).TotalSeconds,
            (completed - started).TotalSeconds, (_lastRead - completed).TotalSeconds);
    }

    private async Task<(T Value, MemoryFigures Memory)> SampledAsync<T>(Func<Task<T>> run)
    {
        var sampler = new RssSampler(service.Pid);
        T value;
        try
        {
            value = await run();
        }
        finally
        {
            await sampler.DisposeAsync();
        }
        return (value, new MemoryFigures(sampler.Before, sampler.Max, Rss.Read(service.Pid).PeakBytes));
    }

    /// <summary>
    /// GET /futures/{id}?wait until finished; with <paramref name="expiredIsDone"/>, a 404 counts too (only completed jobs
    /// expire). True when it had expired.
    /// </summary>
    private static async Task<bool> WaitFinishedAsync(ServiceClient client, string futureId, CancellationToken cancellationToken, bool expiredIsDone = false)
    {
        while (true)
        {
            var state = await client.GetFutureStateAsync(futureId, 10, cancellationToken);
            if (state == "finished") return false;
            if (expiredIsDone && state == "expired") return true;
            if (state is not ("pending" or "running")) throw new BenchException($"future {futureId} ended {state}");
        }
    }

    /// <summary>Waits until every future of the batch is terminal; returns how many had already expired (they were terminal).</summary>
    internal static async Task<int> WaitTerminalAsync(ServiceClient client, string[] batch, CancellationToken cancellationToken)
    {
        if (await client.WaitAllAsync(batch, ResultsWaitSeconds, cancellationToken) is var (done, notDone))
        {
            if (notDone > 0 || done != batch.Length) throw new BenchException($"POST /futures/wait: {notDone} of {batch.Length} futures not done after {ResultsWaitSeconds} s");
            return 0;
        }
        // A 404 names futures whose job has expired: only completed jobs expire, so those were terminal. Check one by one.
        var expired = 0;
        foreach (var id in batch)
        {
            var state = await client.GetFutureStateAsync(id, ResultsWaitSeconds, cancellationToken);
            if (state == "expired") expired++;
            else if (state is "pending" or "running") throw new BenchException($"future {id} still {state} after {ResultsWaitSeconds} s");
        }
        return expired;
    }

    /// <summary>Waits until the node holds no job (earlier ones expired), so a workload's memory is its own.</summary>
    private async Task WaitUntilNoJobsAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (await _client.CountJobsAsync(cancellationToken) > 0)
        {
            if (clock.Elapsed > retention + TimeSpan.FromSeconds(120))
                throw new BenchException($"the node still holds jobs {clock.Elapsed.TotalSeconds:F0} s later (Jobs:Retention {retention})");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static bool PowerSumCheck(int index, double result)
    {
        if (index % 1000 != 0) return !double.IsNaN(result);
        var expected = 0.0;
        for (var k = 1; k <= 51; k++) expected += Math.Pow(index + 1, 1 / Math.Pow(k, 1.5));
        return Math.Abs(result - expected) <= 1e-9 * Math.Abs(expected);
    }

    /// <summary>The catalog's fib: fib(1) = fib(2) = 1.</summary>
    private static double Fib(int n)
    {
        double a = 1, b = 1;
        for (var i = 3; i <= n; i++) (a, b) = (b, a + b);
        return b;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Max(1, (int)Math.Ceiling(p / 100 * sorted.Length)) - 1];

    private static byte[] MapBody(string function, IEnumerable<int> items, int? chunksize)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "map");
            json.WriteString("function", function);
            json.WriteStartArray("items");
            foreach (var item in items) json.WriteNumberValue(item);
            json.WriteEndArray();
            if (chunksize is { } size) json.WriteNumber("chunksize", size);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] CallsBody(int calls)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "submit");
            json.WriteStartArray("calls");
            for (var i = 0; i < calls; i++)
            {
                json.WriteStartObject();
                json.WriteString("function", i % 2 == 0 ? "echo" : "add");
                json.WriteStartArray("args");
                json.WriteNumberValue(i);
                if (i % 2 == 1) json.WriteNumberValue(1);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
