using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JobService.Api.Futures;
using JobService.Api.Jobs;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Futures as concurrent.futures has them: result with timeout, wait, cancel.</summary>
[Collection("service")]
public class FuturesTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task LongPollReturnsTheFutureOnceItEnds()
    {
        var job = await Client.CallAsync("sleep", 1.0);
        var clock = Stopwatch.StartNew();

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 120);

        Assert.Equal(FutureState.Finished, future.State);
        Assert.Equal(1.0, future.Result!.Value.GetDouble());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(100), "the long poll waited for its deadline instead of the future");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnItemEndsForItsCallerWhileASlowerItemOfTheSameBatchedSendStillRuns()
    {
        // fib is known fast once it has run a few times: its items then go to the worker together, results streamed back.
        var warm = await Client.MapAsync("fib", Enumerable.Repeat<object>(1, 32));
        await Client.ResultsAsync(warm.JobId);
        var job = await Client.MapAsync("fib", [1, 42], new { chunksize = 2 });

        var quick = await Client.FutureAsync($"{job.JobId}.0", waitSeconds: 60);
        var slow = await Client.FutureAsync($"{job.JobId}.1");

        Assert.Equal(FutureState.Finished, quick.State);
        Assert.Equal(FutureState.Running, slow.State);
        await Client.FutureAsync($"{job.JobId}.1", waitSeconds: 60);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task LongPollThatTimesOutReturnsTheFutureAsItIs()
    {
        var job = await Client.CallAsync("sleep", 3.0);

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 0.2);

        Assert.False(future.State.IsTerminal());
        await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task FinishedFutureShowsAttemptsTimestampsAndWorker()
    {
        var job = await Client.CallAsync("fib", 20);

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(6765, future.Result!.Value.GetInt64());
        Assert.Equal(1, future.Attempts);
        Assert.Equal("fib", future.Function);
        Assert.NotNull(future.WorkerPid);
        Assert.True(future.StartedAt <= future.FinishedAt);
        Assert.True(future.CreatedAt <= future.StartedAt);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitFirstCompletedReturnsWhenTheFirstFutureEnds()
    {
        var quick = (await Client.CallAsync("sleep", 0.2)).FutureIds![0];
        var slow = (await Client.CallAsync("sleep", 30.0)).FutureIds![0];

        using var response = await Client.PostAsJsonAsync("/futures/wait",
            new { futureIds = new[] { slow, quick }, returnWhen = "FIRST_COMPLETED", timeoutSeconds = 60 }, JobApi.Json);
        var wait = (await response.Content.ReadFromJsonAsync<WaitResponse>(JobApi.Json))!;

        Assert.Equal([quick], wait.Done);
        Assert.Equal([slow], wait.NotDone);
        await Client.DeleteAsync($"/futures/{slow}?force=true");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitFirstExceptionReturnsOnTheFirstFailure()
    {
        var failing = (await Client.CallAsync("fail", "boom")).FutureIds![0];
        var slow = (await Client.CallAsync("sleep", 30.0)).FutureIds![0];

        using var response = await Client.PostAsJsonAsync("/futures/wait",
            new { futureIds = new[] { failing, slow }, returnWhen = "FIRST_EXCEPTION", timeoutSeconds = 60 }, JobApi.Json);
        var wait = (await response.Content.ReadFromJsonAsync<WaitResponse>(JobApi.Json))!;

        Assert.Equal([failing], wait.Done);
        await Client.DeleteAsync($"/futures/{slow}?force=true");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitThatTimesOutListsWhatIsNotDone()
    {
        var slow = (await Client.CallAsync("sleep", 2.0)).FutureIds![0];

        using var response = await Client.PostAsJsonAsync("/futures/wait",
            new { futureIds = new[] { slow }, returnWhen = "ALL_COMPLETED", timeoutSeconds = 0.1 }, JobApi.Json);
        var wait = (await response.Content.ReadFromJsonAsync<WaitResponse>(JobApi.Json))!;

        Assert.Empty(wait.Done);
        Assert.Equal([slow], wait.NotDone);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingAPendingFutureCancelsItAndTheRestStillFinish()
    {
        var blocker = await OccupyBothWorkersAsync(seconds: 2);
        var job = await Client.MapAsync("echo", [1, 2, 3]);

        using var cancel = await Client.DeleteAsync($"/futures/{job.JobId}.1");
        var answer = (await cancel.Content.ReadFromJsonAsync<FutureCancelled>(JobApi.Json))!;

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.True(answer.Cancelled);
        var page = await Client.ResultsAsync(job.JobId);
        Assert.Equal([FutureState.Finished, FutureState.Cancelled, FutureState.Finished], page.Results.Select(r => r.State));
        await Client.ResultsAsync(blocker.JobId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingTwiceIsHarmless()
    {
        var blocker = await OccupyBothWorkersAsync(seconds: 2);
        var job = await Client.CallAsync("echo", 1);

        using var first = await Client.DeleteAsync($"/futures/{job.FutureIds![0]}");
        using var second = await Client.DeleteAsync($"/futures/{job.FutureIds![0]}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(FutureState.Cancelled, (await Client.FutureAsync(job.FutureIds[0])).State);
        await Client.ResultsAsync(blocker.JobId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingARunningFutureIsRefusedAsInPython()
    {
        var job = await Client.CallAsync("sleep", 1.5);
        var id = job.FutureIds![0];
        await Client.WaitForStateAsync(id, FutureState.Running);

        using var response = await Client.DeleteAsync($"/futures/{id}");

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.False(problem.GetProperty("cancelled").GetBoolean());
        Assert.Equal("running", problem.GetProperty("state").GetString());
        Assert.Equal(FutureState.Finished, (await Client.FutureAsync(id, waitSeconds: 60)).State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingADoneFutureIsRefused()
    {
        var job = await Client.CallAsync("echo", 1);
        var id = job.FutureIds![0];
        await Client.FutureAsync(id, waitSeconds: 60);

        using var response = await Client.DeleteAsync($"/futures/{id}");

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("finished", problem.GetProperty("state").GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingAJobCancelsEveryPendingFuture()
    {
        var blocker = await OccupyBothWorkersAsync(seconds: 2);
        var job = await Client.MapAsync("echo", [1, 2, 3, 4, 5]);

        using var response = await Client.DeleteAsync($"/jobs/{job.JobId}");
        var answer = (await response.Content.ReadFromJsonAsync<JobCancelled>(JobApi.Json))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, answer.Cancelled);
        Assert.Equal(JobState.Cancelled, answer.State);
        var page = await Client.ResultsAsync(job.JobId);
        Assert.All(page.Results, r => Assert.Equal(FutureState.Cancelled, r.State));
        await Client.ResultsAsync(blocker.JobId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancellingACompletedJobLeavesItCompleted()
    {
        var job = await Client.CallAsync("echo", 1);
        await Client.ResultsAsync(job.JobId);

        using var response = await Client.DeleteAsync($"/jobs/{job.JobId}");
        var answer = (await response.Content.ReadFromJsonAsync<JobCancelled>(JobApi.Json))!;

        Assert.Equal(0, answer.Cancelled);
        Assert.Equal(JobState.Completed, answer.State);
    }

    /// <summary>Both workers sleep, so what is submitted next stays pending for that long.</summary>
    private async Task<JobAccepted> OccupyBothWorkersAsync(double seconds)
    {
        var blocker = await Client.MapAsync("sleep", [seconds, seconds], new { chunksize = 1 });
        await Client.WaitForStateAsync($"{blocker.JobId}.0", FutureState.Running);
        await Client.WaitForStateAsync($"{blocker.JobId}.1", FutureState.Running);
        return blocker;
    }
}

[Collection("service-postgres")]
public sealed class FuturesTestsOnPostgreSql(PostgresServiceFixture service) : FuturesTests(service);
