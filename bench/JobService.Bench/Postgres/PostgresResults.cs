using JobService.Bench.Workloads;

namespace JobService.Bench.Postgres;

/// <summary>Every run of the --postgres section, in the order it ran, per configuration.</summary>
internal sealed class PostgresResults(MachineInfo machine, string postgresVersion, BenchOptions options, PostgresSizes sizes)
{
    public MachineInfo Machine { get; } = machine;
    public string PostgresVersion { get; } = postgresVersion;
    public BenchOptions Options { get; } = options;
    public PostgresSizes Sizes { get; } = sizes;

    /// <summary>The baseline of goal 1: Hangfire.PostgreSql alone.</summary>
    public List<RawHangfireRun> Raw { get; } = [];

    /// <summary>Runs of the baseline that stalled and were repeated (<see cref="RawHangfireStalledException"/>).</summary>
    public List<string> RawStalls { get; } = [];

    /// <summary>How each node of goals 1–4 was warmed.</summary>
    public Dictionary<string, WarmUp> WarmUps { get; } = [];

    /// <summary>How each configuration of goal 5 was warmed (its last round: the most any of its nodes compiled).</summary>
    public Dictionary<string, WarmUp> ScaleOutWarmUps { get; } = [];

    /// <summary>Goal 1: (e) on the PostgreSQL node.</summary>
    public List<ServiceRun> Submits { get; } = [];

    /// <summary>Goal 2: (d) on the PostgreSQL node.</summary>
    public List<ServiceRun> Latency { get; } = [];

    /// <summary>Not a goal: (e) and (d) on the InMemory node, to tell what PostgreSQL adds per job.</summary>
    public List<ServiceRun> SubmitsInMemory { get; } = [];
    public List<ServiceRun> LatencyInMemory { get; } = [];

    /// <summary>Goal 3: (a) on each provider.</summary>
    public List<ServiceRun> PowerSumPostgres { get; } = [];
    public List<ServiceRun> PowerSumInMemory { get; } = [];

    /// <summary>Goal 4: (c) on each provider.</summary>
    public List<ServiceRun> EchoPostgres { get; } = [];
    public List<ServiceRun> EchoInMemory { get; } = [];

    /// <summary>Goal 5: two 1-worker nodes on one database vs one 2-worker node.</summary>
    public List<ScaleOutRun> OneNode { get; } = [];
    public List<ScaleOutRun> TwoNodes { get; } = [];

    /// <summary>Not a goal: a CPU-bound map (fib, chunksize 1) posted to one node of each configuration.</summary>
    public List<ServiceRun> FibOneNode { get; } = [];
    public List<ServiceRun> FibTwoNodes { get; } = [];

    /// <summary>Per measurement (in the order first measured), the CPU of each run: who was busy.</summary>
    public Dictionary<string, List<CpuSplit>> Cpu { get; } = [];

    /// <summary>From the cluster's start to the last node's stop.</summary>
    public double TotalSeconds { get; set; }

    /// <summary>/proc/loadavg after each run of each phase: the machine is shared, so every figure carries this noise.</summary>
    public List<LoadSample> Loads { get; } = [];
}

/// <summary>The 1, 5 and 15 minute load averages after a step of the run.</summary>
internal sealed record LoadSample(string After, string Load);
