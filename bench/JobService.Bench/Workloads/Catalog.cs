namespace JobService.Bench.Workloads;

/// <summary>A Python measurement compared with a workload: a mode of bench/python_pools.py and its size arguments.</summary>
internal sealed record PythonMode(string Mode, string Label, Func<Sizes, string[]> Args);

/// <summary>One workload: the service side (timed end to end over HTTP) and the Python runs that follow each service run.</summary>
internal sealed record Workload(
    char Key,
    Func<Sizes, string> Title,
    IReadOnlyList<PythonMode> Python,
    Func<ServiceWorkloads, Sizes, CancellationToken, Task<ServiceRun>> Service);

/// <summary>
/// The six workloads of the benchmark issue, (a) to (f); (g): (e) waiting future by future, to tell the wait endpoint's cost
/// apart; (h): (c) through the .NET client library (issue 9).
/// </summary>
internal static class Catalog
{
    private static string[] N(int n) => ["--n", n.ToString()];

    public static readonly PythonMode PoolMapF = new("pool_map_f", "Pool.map(f)", s => N(s.PowerSumItems));
    public static readonly PythonMode PpeMapFChunked = new("ppe_map_f_chunked", "PPE.map(f, chunksize=⌈n/8⌉)", s => N(s.PowerSumItems));
    public static readonly PythonMode PpeMapFChunksize1 = new("ppe_map_f_chunksize1", "PPE.map(f) chunksize=1", s => N(s.PowerSumItems));
    public static readonly PythonMode PoolMapIdentity = new("pool_map_identity_1m", "Pool.map(identity)", s => N(s.EchoItems));
    public static readonly PythonMode PpeMapIdentityChunked = new("ppe_map_identity_1m_chunked", "PPE.map(identity, chunksize=⌈n/8⌉)", s => N(s.EchoItems));
    public static readonly PythonMode PpeRoundTrip = new("ppe_submit_roundtrip", "PPE submit(identity, i).result()",
        s => ["--iterations", s.LatencyIterations.ToString(), "--warmup", s.LatencyWarmup.ToString()]);
    public static readonly PythonMode PpeSubmits = new("ppe_20000_submits_as_completed", "PPE submits + as_completed", s => N(s.BatchCalls));
    public static readonly PythonMode PpeSubmitsForThroughput = PpeSubmits with { Args = s => N(s.ThroughputSubmits) };

    public static readonly IReadOnlyList<Workload> All =
    [
        new('a', s => $"power_sum map over 1..{s.PowerSumItems:N0}, automatic chunks", [PoolMapF, PpeMapFChunked],
            (w, s, ct) => w.PowerSumMapAsync(s.PowerSumItems, null, ct)),
        new('b', s => $"power_sum map over 1..{s.PowerSumItems:N0}, chunksize 1", [PpeMapFChunksize1],
            (w, s, ct) => w.PowerSumMapAsync(s.PowerSumItems, 1, ct)),
        new('c', s => $"echo map over 0..{s.EchoItems - 1:N0}, automatic chunks", [PoolMapIdentity, PpeMapIdentityChunked],
            (w, s, ct) => w.EchoMapAsync(s.EchoItems, untilExpired: true, waitUntilEmpty: true, ct)),
        new('d', s => $"submit echo + GET /futures/{{id}}?wait=10, {s.LatencyIterations:N0} sequential round trips", [PpeRoundTrip],
            (w, s, ct) => w.SubmitLatencyAsync(s.LatencyIterations, s.LatencyWarmup, ct)),
        new('e', s => $"{s.ThroughputSubmits:N0} single-call submits from {s.ThroughputClients} concurrent clients, until all terminal", [PpeSubmitsForThroughput],
            (w, s, ct) => w.ConcurrentSubmitsAsync(s.ThroughputSubmits, s.ThroughputClients, getEach: false, ct)),
        new('f', s => $"one submit of {s.BatchCalls:N0} calls (echo, add in turn), every result read", [PpeSubmits],
            (w, s, ct) => w.CallsBatchAsync(s.BatchCalls, ct)),
        new('g', s => $"(e) again, but each client then GETs each of its futures with ?wait=300 instead of POST /futures/wait", [PpeSubmitsForThroughput],
            (w, s, ct) => w.ConcurrentSubmitsAsync(s.ThroughputSubmits, s.ThroughputClients, getEach: true, ct)),
        new('h', s => $"echo map over 0..{s.EchoItems - 1:N0} through the .NET client (JobServiceExecutor.MapAsync, items encoded and results parsed in the clock)",
            [PpeMapIdentityChunked, PoolMapIdentity],
            (w, s, ct) => w.DotnetClientEchoMapAsync(s.EchoItems, waitUntilEmpty: true, ct)),
    ];
}
