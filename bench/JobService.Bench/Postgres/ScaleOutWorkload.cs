using System.Diagnostics;
using System.Text;
using JobService.Bench.Service;
using JobService.Bench.Workloads;

namespace JobService.Bench.Postgres;

/// <summary>One run of single-call submits spread over the nodes of one database.</summary>
internal sealed record ScaleOutRun(int Nodes, int Submits, double Seconds, double PerSecond, double SubmitPerSecond);

/// <summary>
/// Goal 5: (e)'s single-call echo submits, with the clients spread evenly over the nodes (client c talks to node c mod N
/// only, one connection each). Each client submits its share, then waits for its own futures on its own node with
/// POST /futures/wait. jobs/s = submits ÷ (first POST → every future terminal).
/// </summary>
internal static class ScaleOutWorkload
{
    public static async Task<ScaleOutRun> RunAsync(IReadOnlyList<ServiceProcess> nodes, int total, int clients, CancellationToken cancellationToken)
    {
        var http = Enumerable.Range(0, clients).Select(c => new ServiceClient(nodes[c % nodes.Count].BaseAddress)).ToArray();
        try
        {
            var bodies = Enumerable.Range(0, total).Select(i => Encoding.UTF8.GetBytes($$"""{"type":"submit","function":"echo","args":[{{i}}]}""")).ToArray();
            var submittedAt = new double[clients];
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(http.Select(async (client, c) =>
            {
                var ids = new List<string>();
                for (var i = c; i < total; i += clients)
                    ids.Add($"{(await client.PostJobAsync(bodies[i], cancellationToken)).JobId}.0");
                submittedAt[c] = clock.Elapsed.TotalSeconds;
                foreach (var batch in ids.Chunk(10_000)) await ServiceWorkloads.WaitTerminalAsync(client, batch, cancellationToken);
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            return new ScaleOutRun(nodes.Count, total, seconds, total / seconds, total / submittedAt.Max());
        }
        finally
        {
            foreach (var client in http) client.Dispose();
        }
    }

    /// <summary>Submits of a warm-up round (which also runs a small fib map).</summary>
    public const int WarmUpSubmits = 500;

    /// <summary>
    /// Warms the nodes of one configuration as goals 1–4's are (<see cref="ServiceWorkloads.WarmUpAsync"/>). Measured on a
    /// 1-worker node: rounds of 500 submits compiled 7,700, 4,000 and 2,000 methods before settling after about eight, its API
    /// using five times the CPU per submit meanwhile; two nodes pay that twice, so a measurement taken earlier counts their JIT
    /// against them.
    /// </summary>
    public static async Task<WarmUp> WarmUpAsync(IReadOnlyList<ServiceProcess> nodes, ServiceWorkloads map, int fibValue, int clients, CancellationToken cancellationToken)
    {
        var http = nodes.Select(node => new ServiceClient(node.BaseAddress)).ToArray();
        try
        {
            return await ServiceWorkloads.UntilSettledAsync(http, async ct =>
            {
                await RunAsync(nodes, WarmUpSubmits, clients, ct);
                await map.FibMapAsync(fibValue, 20, 1, ct);
            }, cancellationToken);
        }
        finally
        {
            foreach (var client in http) client.Dispose();
        }
    }
}
