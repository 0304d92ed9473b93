using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Cluster;

/// <summary>With PostgreSQL, a 202 means committed: a node killed with -9 and started again loses nothing.</summary>
public sealed class DurabilityTests
{
    [Fact(Timeout = 120_000)]
    public async Task AJobAcceptedJustBeforeItsNodeIsKilledRunsAfterTheRestart()
    {
        await using var cluster = await Cluster.CreateAsync();
        var node = await cluster.StartAsync();

        var job = await node.Client.MapAsync("fib", [10, 11, 12]);
        ProcessTable.Signal(node.Pid, 9);
        var restarted = await cluster.StartAsync();

        var results = await restarted.Client.ResultsAsync(job.JobId);
        Assert.Equal([55, 89, 144], results.Results.Select(r => r.Result!.Value.GetInt32()));
    }

    [Fact(Timeout = 120_000)]
    public async Task RecordedResultsSurviveAKilledNodeAndTheItemItWasRunningRunsAgain()
    {
        await using var cluster = await Cluster.CreateAsync();
        var node = await cluster.StartAsync();
        var job = await node.Client.MapAsync("sleep", [0.01, 0.01, 2.0], new { chunksize = 1 });
        await node.Client.WaitForStateAsync($"{job.JobId}.0", FutureState.Finished);
        await node.Client.WaitForStateAsync($"{job.JobId}.2", FutureState.Running);

        ProcessTable.Signal(node.Pid, 9);
        var restarted = await cluster.StartAsync();

        var first = await restarted.Client.FutureAsync($"{job.JobId}.0");
        Assert.Equal(FutureState.Finished, first.State);
        Assert.Equal(1, first.Attempts);
        var rerun = await restarted.Client.FutureAsync($"{job.JobId}.2", waitSeconds: 60);
        Assert.Equal(FutureState.Finished, rerun.State);
        Assert.Equal(2, rerun.Attempts);
        Assert.Contains(rerun.WorkerPid!.Value, restarted.WorkerPids);
    }
}
