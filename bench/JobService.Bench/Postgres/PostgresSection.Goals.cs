using System.Globalization;
using System.Diagnostics;
using JobService.Bench.Service;
using JobService.Bench.Workloads;

namespace JobService.Bench.Postgres;

/// <summary>The two parts of the section: goals 1–4 on one node per provider, then goal 5 on one node against two.</summary>
internal sealed partial class PostgresSection
{
    /// <summary>Goals 1–4, run by run: raw Hangfire, then (c), (a), (e) and (d) on both providers.</summary>
    private async Task SingleNodeGoalsAsync(PostgresResults results, CancellationToken cancellationToken)
    {
        Console.WriteLine("Goals 1-4: raw Hangfire.PostgreSql (in this process), a PostgreSQL node and an InMemory node (2 workers each)");
        var clock = Stopwatch.StartNew();
        var postgres = await StartNodeAsync("the PostgreSQL node", BenchOptions.Workers, await _database!.CreateDatabaseAsync("bench_node"), cancellationToken);
        var inMemory = await StartNodeAsync("the InMemory node", BenchOptions.Workers, null, cancellationToken);
        using var onPostgres = new ServiceWorkloads(postgres, PostgresRetention);
        using var onInMemory = new ServiceWorkloads(inMemory, InMemoryRetention);
        var baseline = new CpuMeter([], _postmaster);
        var postgresCpu = new CpuMeter([postgres.Pid], _postmaster);
        var inMemoryCpu = new CpuMeter([inMemory.Pid], _postmaster);
        var p = results.Sizes;

        // The baseline is warmed like the service: JIT, Hangfire's first connections, on a database of its own.
        try
        {
            await LimitedAsync("warm-up of raw Hangfire", async ct =>
                await RawHangfire.RunAsync(await _database.CreateDatabaseAsync("raw_warmup"), RawHangfire.WarmupJobs, p.Clients, 5, ct), cancellationToken, RawLimit);
        }
        catch (RawHangfireStalledException e)
        {
            // The warm-up has done its work (JIT, connections) by the time it stalls.
            Console.WriteLine($"    warm-up: {e.Message}");
        }
        results.WarmUps["PostgreSQL node"] = await LimitedAsync("warm-up of the PostgreSQL node", ct => onPostgres.WarmUpAsync(Sizes.PostgresWarmup, ct), cancellationToken);
        results.WarmUps["InMemory node"] = await LimitedAsync("warm-up of the InMemory node", ct => onInMemory.WarmUpAsync(Sizes.PostgresWarmup, ct), cancellationToken);
        Console.WriteLine($"    warmed: {string.Join("; ", results.WarmUps.Select(w => $"{w.Key} {w.Value}"))}");

        for (var run = 1; run <= options.Runs; run++)
        {
            var raw = await RawRunAsync(results, baseline, run, cancellationToken);
            // Which provider goes first alternates from run to run. Only the InMemory node is emptied first (its jobs expire).
            var inMemoryFirst = run % 2 == 1;
            var (echoPostgres, echoInMemory) = await PairAsync(inMemoryFirst,
                () => MeasuredAsync(results, "(c) PostgreSQL", postgresCpu, ct => onPostgres.EchoMapAsync(p.EchoItems, untilExpired: false, waitUntilEmpty: false, ct), cancellationToken),
                () => MeasuredAsync(results, "(c) InMemory", inMemoryCpu, ct => onInMemory.EchoMapAsync(p.EchoItems, untilExpired: false, waitUntilEmpty: true, ct), cancellationToken));
            // (a) takes a fraction of a second, where one sample is at the mercy of the machine's noise: several pairs per run.
            var powerPostgres = new List<ServiceRun>();
            var powerInMemory = new List<ServiceRun>();
            for (var pair = 0; pair < p.PowerSumPairs; pair++)
            {
                var (onPg, onMemory) = await PairAsync(inMemoryFirst ^ (pair % 2 == 1),
                    () => MeasuredAsync(results, "(a) PostgreSQL", postgresCpu, ct => onPostgres.PowerSumMapAsync(p.PowerSumItems, null, ct), cancellationToken),
                    () => MeasuredAsync(results, "(a) InMemory", inMemoryCpu, ct => onInMemory.PowerSumMapAsync(p.PowerSumItems, null, ct), cancellationToken));
                powerPostgres.Add(onPg);
                powerInMemory.Add(onMemory);
            }
            var (submits, submitsInMemory) = await PairAsync(inMemoryFirst,
                () => MeasuredAsync(results, "(e) PostgreSQL", postgresCpu, ct => onPostgres.ConcurrentSubmitsAsync(p.Submits, p.Clients, getEach: false, ct), cancellationToken),
                () => MeasuredAsync(results, "(e) InMemory", inMemoryCpu, ct => onInMemory.ConcurrentSubmitsAsync(p.Submits, p.Clients, getEach: false, ct), cancellationToken));
            var (latency, latencyInMemory) = await PairAsync(inMemoryFirst,
                () => MeasuredAsync(results, "(d) PostgreSQL", postgresCpu, ct => onPostgres.SubmitLatencyAsync(p.LatencyIterations, p.LatencyWarmup, ct), cancellationToken),
                () => MeasuredAsync(results, "(d) InMemory", inMemoryCpu, ct => onInMemory.SubmitLatencyAsync(p.LatencyIterations, p.LatencyWarmup, ct), cancellationToken));

            results.Raw.Add(raw);
            results.EchoPostgres.Add(echoPostgres);
            results.EchoInMemory.Add(echoInMemory);
            results.PowerSumPostgres.AddRange(powerPostgres);
            results.PowerSumInMemory.AddRange(powerInMemory);
            results.Submits.Add(submits);
            results.SubmitsInMemory.Add(submitsInMemory);
            results.Latency.Add(latency);
            results.LatencyInMemory.Add(latencyInMemory);
            results.Loads.Add(new LoadSample($"goals 1-4, run {run}", MachineInfo.LoadAverage()));
            Console.WriteLine(F($"    run {run}/{options.Runs}: raw Hangfire {raw.PerSecond:N0}/s (enqueue {raw.EnqueuePerSecond:N0}/s, p50 start {raw.P50StartMs:F1} ms, alone {raw.LoneP50StartMs:F1} ms)") +
                F($" | (c) PG {echoPostgres.Seconds:F3} s ({echoPostgres.Memory.PeakBytes / 1e6:F0} MB), InMemory {echoInMemory.Seconds:F3} s") +
                F($" | (a) PG {string.Join(" ", powerPostgres.Select(r => r.Seconds.ToString("F3", CultureInfo.InvariantCulture)))} s, InMemory {string.Join(" ", powerInMemory.Select(r => r.Seconds.ToString("F3", CultureInfo.InvariantCulture)))} s") +
                F($" | (e) PG {submits.PerSecond:N0}/s, InMemory {submitsInMemory.PerSecond:N0}/s") +
                F($" | (d) PG p50 {latency.P50Ms:F2} ms p99 {latency.P99Ms:F2} ms, InMemory p50 {latencyInMemory.P50Ms:F2} ms p99 {latencyInMemory.P99Ms:F2} ms"));
        }
        await IdleAsync(results, "idle PostgreSQL node", postgresCpu, cancellationToken);
        await StopNodesAsync();
        Console.WriteLine($"  goals 1-4 took {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>One run of the baseline on a database of its own; a run that stalls is void and is repeated once on a fresh database.</summary>
    private async Task<RawHangfireRun> RawRunAsync(PostgresResults results, CpuMeter meter, int run, CancellationToken cancellationToken)
    {
        var p = results.Sizes;
        for (var attempt = 1; ; attempt++)
        {
            var database = await _database!.CreateDatabaseAsync($"raw_{run}_{attempt}");
            try
            {
                return await MeasuredAsync(results, "raw Hangfire", meter, ct => RawHangfire.RunAsync(database, p.RawJobs, p.Clients, p.RawProbes, ct),
                    cancellationToken, RawLimit);
            }
            catch (RawHangfireStalledException e) when (attempt == 1)
            {
                results.RawStalls.Add($"run {run}: {e.Message}");
                Console.WriteLine($"    {e.Message}; repeating run {run} of raw Hangfire on a fresh database");
            }
        }
    }

    /// <summary>
    /// Goal 5's three nodes share the machine's two cores with each other, the database and the clients, as nodes co-located on
    /// one host do, and run as the README's scale-out section says such nodes should: without the thread pool's spin for work.
    /// </summary>
    private static readonly Dictionary<string, string> CoLocated = new() { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0" };

    /// <summary>Goal 5: two 1-worker nodes on one database against one 2-worker node on another, run by run.</summary>
    private async Task ScaleOutGoalAsync(PostgresResults results, CancellationToken cancellationToken)
    {
        Console.WriteLine("Goal 5: one node with 2 workers against two nodes with 1 worker each on one database");
        var clock = Stopwatch.StartNew();
        var single = await StartNodeAsync("the 2-worker node", 2, await _database!.CreateDatabaseAsync("bench_one_node"), cancellationToken, CoLocated);
        var shared = await _database.CreateDatabaseAsync("bench_two_nodes");
        var first = await StartNodeAsync("node 1 of 2", 1, shared, cancellationToken, CoLocated);
        var second = await StartNodeAsync("node 2 of 2", 1, shared, cancellationToken, CoLocated);
        ServiceProcess[] oneNode = [single];
        ServiceProcess[] twoNodes = [first, second];
        var oneCpu = new CpuMeter([single.Pid], _postmaster);
        var twoCpu = new CpuMeter([first.Pid, second.Pid], _postmaster);
        // The CPU-bound map is posted to one node; on two, the other node's worker takes units of it too.
        using var mapOnOne = new ServiceWorkloads(single, PostgresRetention);
        using var mapOnTwo = new ServiceWorkloads(first, PostgresRetention);
        var p = results.Sizes;

        results.ScaleOutWarmUps["one node"] = await LimitedAsync("warm-up of the 2-worker node",
            ct => ScaleOutWorkload.WarmUpAsync(oneNode, mapOnOne, p.FibValue, p.Clients, ct), cancellationToken);
        results.ScaleOutWarmUps["two nodes"] = await LimitedAsync("warm-up of the two 1-worker nodes",
            ct => ScaleOutWorkload.WarmUpAsync(twoNodes, mapOnTwo, p.FibValue, p.Clients, ct), cancellationToken);
        Console.WriteLine($"    warmed: {string.Join("; ", results.ScaleOutWarmUps.Select(w => $"{w.Key} {w.Value}"))}");

        for (var run = 1; run <= options.Runs; run++)
        {
            var oneFirst = run % 2 == 1;
            // A pair takes seconds, where one sample is at the mercy of the machine's noise: several pairs per run, as for (a).
            var (twos, ones) = (new List<ScaleOutRun>(), new List<ScaleOutRun>());
            for (var pair = 0; pair < p.ScaleOutPairs; pair++)
            {
                var (two, one) = await PairAsync(oneFirst ^ (pair % 2 == 1),
                    () => MeasuredAsync(results, "goal 5 submits, two nodes", twoCpu, ct => ScaleOutWorkload.RunAsync(twoNodes, p.ScaleOutSubmits, p.Clients, ct), cancellationToken),
                    () => MeasuredAsync(results, "goal 5 submits, one node", oneCpu, ct => ScaleOutWorkload.RunAsync(oneNode, p.ScaleOutSubmits, p.Clients, ct), cancellationToken));
                twos.Add(two);
                ones.Add(one);
            }
            var (fibTwo, fibOne) = await PairAsync(oneFirst,
                () => MeasuredAsync(results, "fib map, two nodes", twoCpu, ct => mapOnTwo.FibMapAsync(p.FibValue, p.FibItems, 1, ct), cancellationToken),
                () => MeasuredAsync(results, "fib map, one node", oneCpu, ct => mapOnOne.FibMapAsync(p.FibValue, p.FibItems, 1, ct), cancellationToken));
            results.OneNode.AddRange(ones);
            results.TwoNodes.AddRange(twos);
            results.FibOneNode.Add(fibOne);
            results.FibTwoNodes.Add(fibTwo);
            results.Loads.Add(new LoadSample($"goal 5, run {run}", MachineInfo.LoadAverage()));
            Console.WriteLine(F($"    run {run}/{options.Runs}: submits one node {string.Join(" ", ones.Select(o => $"{o.PerSecond:N0}/s"))}, two nodes {string.Join(" ", twos.Select(t => $"{t.PerSecond:N0}/s"))}") +
                F($" | fib map one node {fibOne.Seconds:F3} s, two nodes {fibTwo.Seconds:F3} s"));
        }
        await IdleAsync(results, "idle two nodes", twoCpu, cancellationToken);
        await StopNodesAsync();
        Console.WriteLine($"  goal 5 took {clock.Elapsed.TotalSeconds:F0} s");
    }
}
