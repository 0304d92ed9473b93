using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>No orphans: whether the node is stopped politely or killed, its workers go with it.</summary>
public sealed class HostShutdownTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task SigtermStopsRunningChunksAndLeavesNoWorkerBehind()
    {
        await using var host = await ServiceHost.StartAsync(workers: 2);
        var job = await host.Client.MapAsync("sleep", [60, 60], new { chunksize = 1 });
        await WaitForRunningAsync(host, $"{job.JobId}.0", $"{job.JobId}.1");
        var workers = host.WorkerPids;
        Assert.Equal(2, workers.Count);

        host.Terminate();

        Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(45)), "the node did not stop on SIGTERM");
        Assert.Equal(0, host.Process.ExitCode);
        Assert.True(await ProcessTable.WaitUntilGoneAsync(workers, TimeSpan.FromSeconds(5)), "workers outlived their node");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WorkersExitWithinSecondsWhenTheirNodeIsKilled()
    {
        await using var host = await ServiceHost.StartAsync(workers: 2);
        var job = await host.Client.CallAsync("sleep", 60.0);
        await WaitForRunningAsync(host, job.FutureIds![0]);
        var workers = host.WorkerPids;
        Assert.Equal(2, workers.Count);

        ProcessTable.Signal(host.Pid, 9);

        Assert.True(await ProcessTable.WaitUntilGoneAsync(workers, TimeSpan.FromSeconds(5)), "workers outlived a node killed with -9");
    }

    private static async Task WaitForRunningAsync(ServiceHost host, params string[] futureIds)
    {
        foreach (var id in futureIds) await host.Client.WaitForStateAsync(id, FutureState.Running);
    }
}
