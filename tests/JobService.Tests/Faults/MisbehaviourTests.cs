using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>Workers that print, flood, corrupt, loop forever or get cancelled mid-item: the node stays whole.</summary>
[Collection("faults")]
public class MisbehaviourTests(FaultFixture faults)
{
    private HttpClient Client => faults.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task TextAFunctionPrintsGoesToTheLogNeverIntoTheProtocol()
    {
        var job = await Client.CallAsync("print", "hello from a worker");

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(FutureState.Finished, future.State);
        Assert.Equal("hello from a worker", future.Result!.Value.GetString());
        Assert.Contains("stderr: hello from a worker", faults.Host.Log);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AMegabyteOfStderrDoesNotBlockTheWorker()
    {
        var job = await Client.CallAsync("flood_stderr", 1 << 20);

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(1 << 20, future.Result!.Value.GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ACorruptFrameFailsTheItemAndReplacesTheWorker()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "echo", args = new[] { 1 } }, new { function = "corrupt_protocol" }, new { function = "echo", args = new[] { 3 } } },
        });

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal([FutureState.Finished, FutureState.Failed, FutureState.Finished], page.Results.Select(r => r.State));
        Assert.Equal("WorkerProtocolError", page.Results[1].Error!.Type);
        Assert.Contains("frame length", page.Results[1].Error!.Message);
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnInfiniteLoopIsKilledAtTheTimeoutAndTheRestGoesOn()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            timeoutSeconds = 1,
            calls = new object[] { new { function = "echo", args = new[] { 1 } }, new { function = "spin" }, new { function = "echo", args = new[] { 3 } } },
        });

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal([FutureState.Finished, FutureState.Failed, FutureState.Finished], page.Results.Select(r => r.State));
        Assert.Equal("TimeoutError", page.Results[1].Error!.Type);
        var spinner = (await Client.FutureAsync($"{job.JobId}.1")).WorkerPid!.Value;
        Assert.True(await ProcessTable.WaitUntilGoneAsync([spinner], TimeSpan.FromSeconds(10)), $"worker {spinner} still runs");
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ForceCancelOfARunningItemKillsItsWorkerAndTheRestGoesOn()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "sleep", args = new[] { 60 } }, new { function = "echo", args = new[] { 2 } } },
        });
        var sleeping = $"{job.JobId}.0";
        await Client.WaitForStateAsync(sleeping, FutureState.Running);
        var pid = (await Client.FutureAsync(sleeping)).WorkerPid!.Value;

        using var cancel = await Client.DeleteAsync($"/futures/{sleeping}?force=true");

        Assert.Equal(System.Net.HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(FutureState.Finished, (await Client.FutureAsync($"{job.JobId}.1", waitSeconds: 60)).State);
        Assert.Equal(FutureState.Cancelled, (await Client.FutureAsync(sleeping)).State);
        Assert.True(await ProcessTable.WaitUntilGoneAsync([pid], TimeSpan.FromSeconds(10)), $"worker {pid} still runs");
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ForceCancelOfAJobKillsEveryRunningItem()
    {
        var job = await Client.MapAsync("sleep", [60, 60], new { chunksize = 1 });
        await Client.WaitForStateAsync($"{job.JobId}.0", FutureState.Running);
        await Client.WaitForStateAsync($"{job.JobId}.1", FutureState.Running);

        using var cancel = await Client.DeleteAsync($"/jobs/{job.JobId}?force=true");

        var page = await Client.ResultsAsync(job.JobId, "wait=0");
        Assert.All(page.Results, r => Assert.Equal(FutureState.Cancelled, r.State));
        await faults.AssertPoolHealsAsync();
        var after = await Client.CallAsync("echo", "still serving");
        Assert.Equal(FutureState.Finished, (await Client.FutureAsync(after.FutureIds![0], waitSeconds: 60)).State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task RetriesReRunAnItemAfterACrashAndCountAttempts()
    {
        var job = await Client.SubmitAsync(new { type = "submit", function = "crash_first", args = new object[] { Guid.NewGuid().ToString(), 2 }, retries = 2 });

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(FutureState.Finished, future.State);
        Assert.Equal(3, future.Result!.Value.GetInt32());
        Assert.Equal(3, future.Attempts);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ACrashThatOutlastsItsRetriesFailsTheItem()
    {
        var job = await Client.SubmitAsync(new { type = "submit", function = "crash", args = new[] { 1 }, retries = 2 });

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(FutureState.Failed, future.State);
        Assert.Equal("WorkerCrashed", future.Error!.Type);
        Assert.Equal(3, future.Attempts);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnExceptionRaisedByTheFunctionIsNeverRetried()
    {
        var job = await Client.SubmitAsync(new { type = "submit", function = "fail", args = new[] { "no" }, retries = 3 });

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(FutureState.Failed, future.State);
        Assert.Equal(1, future.Attempts);
    }
}

[Collection("faults-postgres")]
public sealed class MisbehaviourTestsOnPostgreSql(PostgresFaultFixture faults) : MisbehaviourTests(faults);
