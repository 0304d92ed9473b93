using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using JobService.Bench.Report;
using JobService.Bench.Service;
using JobService.Bench.Workloads;
using JobService.Tests.Infrastructure;
using Npgsql;

namespace JobService.Bench.Postgres;

/// <summary>
/// <c>--postgres</c>: the five performance goals of the PostgreSQL provider, side by side in one run, on a private durable
/// cluster. First a PostgreSQL node and an InMemory node (2 workers each) with raw Hangfire.PostgreSql in this process
/// (goals 1–4), then one 2-worker node against two 1-worker nodes on one database (goal 5). Every node and the cluster
/// are stopped as soon as their part is done.
/// </summary>
internal sealed partial class PostgresSection(RepoPaths paths, MachineInfo machine, BenchOptions options)
{
    /// <summary>A workload that takes longer has a future that never ends, or a service that is stuck: the run stops with its log.</summary>
    private static readonly TimeSpan WorkloadLimit = TimeSpan.FromMinutes(5);

    /// <summary>Raw Hangfire's runs take seconds; one once stalled with jobs left unrun, so it gets less time to say so.</summary>
    private static readonly TimeSpan RawLimit = TimeSpan.FromMinutes(2);

    /// <summary>
    /// No expiry on a PostgreSQL node during the section: deleting a million finished items would land in whatever is
    /// measured next (on any node of that database), and expiry is not one of these goals.
    /// </summary>
    public static readonly TimeSpan PostgresRetention = TimeSpan.FromHours(1);

    /// <summary>As docs/benchmarks.md: the InMemory node forgets each job soon, so its (c) starts with an empty node.</summary>
    public static readonly TimeSpan InMemoryRetention = BenchOptions.Retention;

    private static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(5);

    private readonly List<(string Name, ServiceProcess Node)> _nodes = [];
    private PostgresServer? _database;
    private int _postmaster;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var sizes = options.Quick ? PostgresSizes.Quick : PostgresSizes.Full;
        var version = await Shell.FirstLineAsync("postgres", ["--version"], paths.Root, cancellationToken);
        var results = new PostgresResults(machine, version, options, sizes);
        Console.WriteLine($"PostgreSQL section: {version}; {options.Runs} runs{(options.Quick ? ", quick sizes" : "")}; configurations alternate.");
        var clock = Stopwatch.StartNew();
        try
        {
            // fsync on: commits wait for the disk, as they would in production.
            _database = await PostgresServer.StartAsync(durable: true);
            _postmaster = CpuMeter.FindPostmaster(_database.Port);
            Console.WriteLine($"PostgreSQL cluster up on 127.0.0.1:{_database.Port} (postmaster pid {_postmaster}, fsync on)");
            await SingleNodeGoalsAsync(results, cancellationToken);
            await ScaleOutGoalAsync(results, cancellationToken);
            results.TotalSeconds = clock.Elapsed.TotalSeconds;
            PrintProblems("PostgreSQL", _database.Log);
        }
        catch (Exception ex) when (ex is BenchException or InvalidOperationException or HttpRequestException or TimeoutException or NpgsqlException)
        {
            Console.Error.WriteLine($"PostgreSQL benchmark failed after {clock.Elapsed.TotalSeconds:F0} s: {ex.GetType().Name}: {ex.Message}");
            foreach (var (name, node) in _nodes) Console.Error.WriteLine($"\nLast lines of {name}'s log (pid {node.Pid}):\n{node.LogTail}");
            if (_database is not null) Console.Error.WriteLine($"\nLast lines of PostgreSQL's log:\n{_database.Log}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        finally
        {
            await StopNodesAsync();
            if (_database is not null) await _database.DisposeAsync();
        }
        await WriteAsync(results, cancellationToken);
        return 0;
    }

    /// <summary>A node of its own process; on PostgreSQL when given a connection string, else InMemory.</summary>
    private async Task<ServiceProcess> StartNodeAsync(string name, int workers, string? connectionString, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = connectionString is null
            ? null
            : new Dictionary<string, string> { ["Storage:Provider"] = "PostgreSql", ["ConnectionStrings:Postgres"] = connectionString };
        var node = await ServiceProcess.StartAsync(paths.ApiBin, workers, connectionString is null ? InMemoryRetention : PostgresRetention,
            cancellationToken, settings, environment);
        _nodes.Add((name, node));
        Console.WriteLine($"  {name} up at {node.BaseAddress} (pid {node.Pid}, {workers} worker{(workers == 1 ? "" : "s")})");
        return node;
    }

    private async Task StopNodesAsync()
    {
        foreach (var (name, node) in _nodes) PrintProblems(name, node.LogTail);
        foreach (var (_, node) in _nodes) await node.DisposeAsync();
        _nodes.Clear();
        // The nodes' databases are done with: this process's pooled connections to them only hold server slots.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// A workload under <see cref="WorkloadLimit"/>, with the CPU it cost recorded under <paramref name="what"/>. It starts on a
    /// quiet cluster, so that the autovacuum debt of what ran before is not charged to it.
    /// </summary>
    private async Task<T> MeasuredAsync<T>(PostgresResults results, string what, CpuMeter meter, Func<CancellationToken, Task<T>> run,
        CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        if (await QuietDatabase.WaitAsync(_database!.ConnectionString(), cancellationToken) is { TotalSeconds: > 0.5 } waited)
            Console.WriteLine(F($"      (waited {waited.TotalSeconds:F1} s for autovacuum before {what})"));
        var (value, cpu) = await meter.MeasureAsync(() => LimitedAsync(what, run, cancellationToken, limit));
        if (!results.Cpu.TryGetValue(what, out var runs)) results.Cpu[what] = runs = [];
        runs.Add(cpu);
        return value;
    }

    /// <summary>
    /// What the nodes and the cluster cost while nothing is asked of them (polling, leases, notifications, autovacuum), in
    /// two windows in a row: a first one that costs more than the second is work left over from the last run, not a steady cost.
    /// </summary>
    private async Task IdleAsync(PostgresResults results, string what, CpuMeter meter, CancellationToken cancellationToken)
    {
        foreach (var window in new[] { "first", "next" })
            await MeasuredAsync(results, $"{what}, {window} {IdleTime.TotalSeconds:F0} s", meter, async ct =>
            {
                await Task.Delay(IdleTime, ct);
                return 0;
            }, cancellationToken);
    }

    /// <summary>
    /// Warnings and errors in a log tail, on the console only: a run whose figures look fine may still have logged trouble.
    /// The service logs "[HH:mm:ss WRN]"-style lines at Warning and above; PostgreSQL "ERROR:", "FATAL:" and "WARNING:".
    /// </summary>
    private static void PrintProblems(string name, string log)
    {
        string[] marks = [" WRN]", " ERR]", " FTL]", "ERROR:", "FATAL:", "PANIC:", "WARNING:"];
        // Expected: probes while the cluster starts, and Hangfire's installer asking whether its schema exists yet.
        string[] expected = ["the database system is starting up", "schema\" does not exist"];
        var lines = log.Split('\n').Where(line => marks.Any(line.Contains) && !expected.Any(line.Contains)).ToArray();
        if (lines.Length == 0) return;
        Console.WriteLine($"  {name} logged {lines.Length} warning or error lines in its last lines of output; the last ones:");
        foreach (var line in lines.TakeLast(10)) Console.WriteLine($"    {line}");
    }

    /// <summary>A workload under <see cref="WorkloadLimit"/> (or <paramref name="within"/>); what failed is named in the error.</summary>
    private static async Task<T> LimitedAsync<T>(string what, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var allowed = within ?? WorkloadLimit;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(allowed);
        try
        {
            return await run(limit.Token);
        }
        catch (OperationCanceledException ex) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A workload may say where it stood in its message; the default one says nothing.
            var detail = ex.Message == new OperationCanceledException().Message || ex is TaskCanceledException ? "" : $" ({ex.Message})";
            throw new TimeoutException($"{what} did not finish within {allowed.TotalMinutes:F0} min{detail}");
        }
        catch (Exception ex) when (ex is BenchException or HttpRequestException or InvalidOperationException)
        {
            throw new BenchException($"{what}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Two configurations' runs of one workload, in the order asked; answered as (first, second) whatever the order.</summary>
    private static async Task<(TFirst, TSecond)> PairAsync<TFirst, TSecond>(bool secondFirst, Func<Task<TFirst>> first, Func<Task<TSecond>> second)
    {
        if (!secondFirst) return (await first(), await second());
        var answer = await second();
        return (await first(), answer);
    }

    private async Task WriteAsync(PostgresResults results, CancellationToken cancellationToken)
    {
        var markdown = new PostgresReport(results).Render();
        Console.WriteLine();
        Console.WriteLine(markdown);
        var kind = options.Quick ? "postgres-quick" : "postgres-full";
        var stamp = machine.Date.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        // Only a full run replaces docs/benchmarks-postgres.md.
        var output = options.Output ?? (options.Quick ? Path.Combine(paths.ResultsDir, $"{kind}-{stamp}.md") : paths.PostgresReport);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, markdown, cancellationToken);
        Directory.CreateDirectory(paths.ResultsDir);
        var raw = Path.Combine(paths.ResultsDir, $"{kind}-{stamp}.json");
        await File.WriteAllBytesAsync(raw, JsonSerializer.SerializeToUtf8Bytes(results, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }), cancellationToken);
        Console.WriteLine($"Wrote {Path.GetRelativePath(paths.Root, Path.GetFullPath(output))} and {Path.GetRelativePath(paths.Root, raw)}");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
