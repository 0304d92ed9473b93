namespace JobService.Bench;

/// <summary>The command line, and the sizes of every workload (full, or smaller with <c>--quick</c>).</summary>
internal sealed record BenchOptions(
    int Runs,
    bool Quick,
    bool Build,
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
          --only LETTERS    run some workloads only, e.g. --only ac (a..g; default all)
          --out PATH        where to write the markdown report (default docs/benchmarks.md for a
                            full run of every workload, else bench/results/<quick|partial>-<time>.md)
          --no-build        do not run `dotnet build -c Release src/Api/JobService.Api.csproj` first
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var runs = 3;
        var quick = false;
        var build = true;
        string? output = null;
        var workloads = "abcdefg";
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
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--only" when i + 1 < args.Length && args[i + 1].Length > 0 && args[i + 1].All(c => c is >= 'a' and <= 'g'):
                    workloads = args[++i];
                    break;
                default:
                    return null;
            }
        }
        return new BenchOptions(runs, quick, build, output, workloads.ToHashSet(), quick ? Sizes.Quick : Sizes.Full);
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
}
