using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace JobService.Bench.Postgres;

/// <summary>
/// One run of the raw Hangfire.PostgreSql baseline: no-op jobs enqueued by many clients and run by 2 workers; then a few
/// enqueued one at a time (<see cref="LoneP50StartMs"/>: the latency a lone caller sees, without a queue in front).
/// </summary>
internal sealed record RawHangfireRun(int Jobs, double Seconds, double PerSecond, double EnqueuePerSecond, double P50StartMs, double P99StartMs, double LoneP50StartMs);

/// <summary>
/// What goal 1 is measured against: Hangfire.PostgreSql on its own, in this process, one background job per call, set up as
/// the service sets up its own (long polling, 5 s poll interval) on a database of its own.
/// </summary>
internal static class RawHangfire
{
    public const int WorkerCount = 2;

    /// <summary>Jobs of the untimed warm-up run: enough calls for the JIT to have promoted the enqueue and fetch paths.</summary>
    public const int WarmupJobs = 200;

    /// <summary>
    /// No job started for this long while some wait: Hangfire.PostgreSql has fetched a job it will not run before its invisibility
    /// timeout (seen twice on this machine: "1 fetched", nothing processing). The run is void, not slow.
    /// </summary>
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(15);

    public static async Task<RawHangfireRun> RunAsync(string connectionString, int jobs, int clients, int probes, CancellationToken cancellationToken)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire_raw",
            PrepareSchemaIfNecessary = true,
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(5),
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        NoOpJob.Reset(jobs);
        var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = WorkerCount }, storage);
        var phase = "enqueueing";
        try
        {
            var client = new BackgroundJobClient(storage);
            var clock = Stopwatch.StartNew();
            // Enqueue blocks on the database: dedicated threads, or the thread pool's slow growth would be what is measured.
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Factory.StartNew(() =>
            {
                for (var i = c; i < jobs; i += clients)
                {
                    var index = i;
                    var enqueuedAt = Stopwatch.GetTimestamp();
                    client.Enqueue(() => NoOpJob.Run(index, enqueuedAt));
                }
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
            var enqueued = clock.Elapsed.TotalSeconds;
            phase = "waiting for every job to succeed";
            await WaitAllSucceededAsync(storage, jobs, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var latencies = NoOpJob.LatenciesMs();
            phase = "enqueueing one job at a time";
            var lone = await LoneLatenciesAsync(client, probes, cancellationToken);
            return new RawHangfireRun(jobs, seconds, jobs / seconds, jobs / enqueued, Percentile(latencies, 50), Percentile(latencies, 99), Percentile(lone, 50));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Hangfire logs nothing here (no logger in the bench): say where it stood, from its own monitoring API.
            throw new OperationCanceledException($"raw Hangfire stopped while {phase}: {Describe(storage, jobs)}", cancellationToken);
        }
        finally
        {
            server.SendStop();
            server.Dispose();
            // Each run has a database of its own: its idle pooled connections would only pile up on the server.
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>Every job has run (our counter), then every job is in Hangfire's Succeeded state (its monitoring API).</summary>
    private static async Task WaitAllSucceededAsync(PostgreSqlStorage storage, int jobs, CancellationToken cancellationToken)
    {
        var monitoring = storage.GetMonitoringApi();
        var polls = 0;
        var (started, progressAt) = (0, Stopwatch.GetTimestamp());
        while (NoOpJob.Started < jobs)
        {
            await Task.Delay(2, cancellationToken);
            // Rarely: a count query per poll would load the database the baseline runs on.
            if (++polls % 250 == 0) ThrowIfFailed(monitoring);
            if (NoOpJob.Started != started) (started, progressAt) = (NoOpJob.Started, Stopwatch.GetTimestamp());
            else if (Stopwatch.GetElapsedTime(progressAt) > StallAfter) throw new RawHangfireStalledException(Describe(storage, jobs));
        }
        while (monitoring.SucceededListCount() < jobs)
        {
            ThrowIfFailed(monitoring);
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>Each job enqueued once the one before has started: the server is idle and listening (long polling).</summary>
    private static async Task<double[]> LoneLatenciesAsync(BackgroundJobClient client, int probes, CancellationToken cancellationToken)
    {
        NoOpJob.Reset(probes);
        for (var i = 0; i < probes; i++)
        {
            var index = i;
            var enqueuedAt = Stopwatch.GetTimestamp();
            client.Enqueue(() => NoOpJob.Run(index, enqueuedAt));
            while (NoOpJob.Started <= i) await Task.Delay(1, cancellationToken);
        }
        return NoOpJob.LatenciesMs();
    }

    private static string Describe(PostgreSqlStorage storage, int jobs)
    {
        try
        {
            var monitoring = storage.GetMonitoringApi();
            var servers = monitoring.Servers();
            return $"{NoOpJob.Started} of {jobs} (or of the lone probes) started by the job method; Hangfire counts {monitoring.SucceededListCount()} succeeded, " +
                $"{monitoring.ProcessingCount()} processing, {monitoring.EnqueuedCount("default")} enqueued, {monitoring.FetchedCount("default")} fetched, " +
                $"{monitoring.ScheduledCount()} scheduled (retries), {monitoring.FailedCount()} failed; servers: " +
                string.Join(", ", servers.Select(s => $"{s.Name} ({s.WorkersCount} workers, heartbeat {s.Heartbeat:HH:mm:ss})"));
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return $"{NoOpJob.Started} started; the monitoring API failed: {e.Message}";
        }
    }

    private static void ThrowIfFailed(Hangfire.Storage.IMonitoringApi monitoring)
    {
        if (monitoring.FailedCount() is > 0 and var failed) throw new InvalidOperationException($"raw Hangfire: {failed} no-op jobs failed");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Max(1, (int)Math.Ceiling(p / 100 * sorted.Length)) - 1];
}

/// <summary>A run of raw Hangfire that stopped making progress (see <see cref="RawHangfire"/>); the caller repeats it.</summary>
internal sealed class RawHangfireStalledException(string state) : Exception($"raw Hangfire stalled: {state}");

/// <summary>The baseline's job: records when it started, relative to when it was enqueued (one Stopwatch, one process).</summary>
public static class NoOpJob
{
    private static double[] _startedAfterMs = [];
    private static int _started;

    public static int Started => Volatile.Read(ref _started);

    /// <summary>Hangfire invokes public methods only. At least once: a re-run overwrites its own slot.</summary>
    public static void Run(int index, long enqueuedAt)
    {
        _startedAfterMs[index] = Stopwatch.GetElapsedTime(enqueuedAt).TotalMilliseconds;
        Interlocked.Increment(ref _started);
    }

    internal static void Reset(int jobs)
    {
        _startedAfterMs = new double[jobs];
        Volatile.Write(ref _started, 0);
    }

    internal static double[] LatenciesMs() => _startedAfterMs.Order().ToArray();
}
