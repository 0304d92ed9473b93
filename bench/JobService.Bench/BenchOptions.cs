namespace JobService.Bench;

/// <summary>The command line, and the sizes of every workload (full, or smaller with <c>--quick</c>).</summary>
internal sealed record BenchOptions(
    int Runs,
    bool Quick,
    bool Build,
    bool Postgres,
    string? Output,
    IReadOnlySet<char> Workloads,
    Sizes Sizes)
{
    public const int Workers = 2;
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(20);

    public const string Usage = """
        JobService benchmark: the service (Release, 2 workers) against multiprocessing.Pool and
        ProcessPoolExecutor (2 workers), alternating service and Python runs.

          dotnet run -c Release --project bench/JobService.Bench [-- options]

          --runs N          timed runs of each workload on each side (default 3)
          --quick           smoke run with small sizes; writes bench/results/ only, not docs/
          --only LETTERS    run some workloads only, e.g. --only ac (a..h; default all)
          --out PATH        where to write the markdown report (default docs/benchmarks.md for a
                            full run of every workload, else bench/results/<quick|partial>-<time>.md)
          --no-build        do not run `dotnet build -c Release src/Api/JobService.Api.csproj` first
          --postgres        only the PostgreSQL section instead (a private cluster, nodes on PostgreSql vs
                            InMemory vs raw Hangfire.PostgreSql); writes docs/benchmarks-postgres.md
                            (with --quick: bench/results/postgres-quick-<time>.md); not with --only
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var runs = 3;
        var quick = false;
        var build = true;
        var postgres = false;
        string? output = null;
        string? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n >= 1:
                    runs = n;
                    i++;
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--no-build":
                    build = false;
                    break;
                case "--postgres":
                    postgres = true;
                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--only" when i + 1 < args.Length && args[i + 1].Length > 0 && args[i + 1].All(c => c is >= 'a' and <= 'h'):
                    only = args[++i];
                    break;
                default:
                    return null;
            }
        }
        // --postgres has workloads of its own: a letter list would mean nothing there.
        if (postgres && only is not null) return null;
        return new BenchOptions(runs, quick, build, postgres, output, (only ?? "abcdefgh").ToHashSet(), quick ? Sizes.Quick : Sizes.Full);
    }
}

/// <summary>How big each workload is. The goals are stated for <see cref="Full"/>.</summary>
internal sealed record Sizes(
    int PowerSumItems,
    int EchoItems,
    int LatencyIterations,
    int LatencyWarmup,
    int ThroughputSubmits,
    int ThroughputClients,
    int BatchCalls)
{
    public static readonly Sizes Full = new(99_999, 1_000_000, 2_000, 200, 20_000, 16, 20_000);
    public static readonly Sizes Quick = new(9_999, 100_000, 300, 50, 2_000, 16, 2_000);

    /// <summary>Untimed service warm-up before the first workload (JIT, connection pools, worker start-up).</summary>
    public static readonly Sizes Warmup = new(2_000, 20_000, 200, 20, 4_000, 16, 2_000);

    /// <summary>The lighter warm-up of the --postgres nodes: every submit there costs database round trips.</summary>
    public static readonly Sizes PostgresWarmup = new(2_000, 20_000, 100, 20, 1_000, 16, 500);
}

/// <summary>
/// The sizes of the --postgres section. Smaller than <see cref="Sizes.Full"/> where the counts are of jobs or round trips
/// (each costs database commits; the goals there are rates and latencies, not totals) so that a run of 3 takes minutes;
/// the maps keep their full sizes, since goals 3 and 4 are stated for them. (a) is measured in 9 pairs per run: one pair's
/// ratio went anywhere from 0.86× to 2.04× on this shared machine, and with 5 pairs per run the median of a bench's 15
/// moved 1.14–1.36× from one bench to the next (2026-11-27, on code that changed little in between).
/// </summary>
internal sealed record PostgresSizes(
    int RawJobs,
    int RawProbes,
    int Clients,
    int PowerSumItems,
    int EchoItems,
    int LatencyIterations,
    int LatencyWarmup,
    int Submits,
    int ScaleOutSubmits,
    int FibItems,
    int FibValue,
    int PowerSumPairs,
    int ScaleOutPairs)
{
    public static readonly PostgresSizes Full = new(500, 50, 16, 99_999, 1_000_000, 1_000, 100, 4_000, 2_000, 200, 24, 9, 3);
    public static readonly PostgresSizes Quick = new(300, 20, 16, 9_999, 100_000, 300, 50, 1_000, 1_000, 50, 24, 1, 1);
}
