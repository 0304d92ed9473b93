using System.Diagnostics;
using System.Net.Http.Json;
using JobService.Api.Futures;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Cluster;

/// <summary>Two nodes on one database act as one service: either takes jobs, both run them, either answers.</summary>
public sealed class TwoNodeTests
{
    [Fact(Timeout = 120_000)]
    public async Task AJobAcceptedByOneNodeIsRunByTheWorkersOfBoth()
    {
        await using var cluster = await Cluster.CreateAsync();
        var (a, b) = await StartTwoAsync(cluster);

        var job = await a.Client.MapAsync("sleep", Enumerable.Repeat<object>(0.3, 16), new { chunksize = 1 });
        var results = await b.Client.ResultsAsync(job.JobId);

        Assert.All(results.Results, r => Assert.Equal(FutureState.Finished, r.State));
        var pids = new HashSet<int>();
        for (var i = 0; i < 16; i++) pids.Add((await b.Client.FutureAsync($"{job.JobId}.{i}")).WorkerPid!.Value);
        Assert.Contains(pids, a.WorkerPids.Contains);
        Assert.Contains(pids, b.WorkerPids.Contains);
    }

    [Fact(Timeout = 120_000)]
    public async Task ABigMapReadsTheSameResultsOnTheNodeThatTookItAsOnTheOther()
    {
        await using var cluster = await Cluster.CreateAsync();
        var (a, b) = await StartTwoAsync(cluster);
        var items = Enumerable.Range(0, 5000).ToArray();

        // The accepting node keeps the items and the outcomes it records in memory (PostgresJobStore.LocalItems/LocalResults);
        // the other node reads both from the database. Units of the job run on both.
        var job = await a.Client.MapAsync("echo", items.Cast<object>(), new { chunksize = 250 });
        var onA = await a.Client.ResultsAsync(job.JobId);
        var onB = await b.Client.ResultsAsync(job.JobId);

        Assert.Equal(items, onA.Results.Select(r => r.Result!.Value.GetInt32()));
        Assert.Equal(items, onB.Results.Select(r => r.Result!.Value.GetInt32()));
    }

    [Fact(Timeout = 120_000)]
    public async Task LongPollsAndWaitsOnOneNodeReturnWhenTheFutureEndsOnTheOther()
    {
        await using var cluster = await Cluster.CreateAsync();
        var (a, b) = await StartTwoAsync(cluster);
        var job = await a.Client.CallAsync("sleep", 1.0);
        var id = job.FutureIds![0];

        var clock = Stopwatch.StartNew();
        var polled = b.Client.FutureAsync(id, waitSeconds: 120);
        using var waited = b.Client.PostAsJsonAsync("/futures/wait", new { futureIds = new[] { id }, timeoutSeconds = 120 }, JobApi.Json);

        Assert.Equal(FutureState.Finished, (await polled).State);
        var wait = await (await waited).Content.ReadFromJsonAsync<WaitResponse>(JobApi.Json);
        Assert.Equal([id], wait!.Done);
        // Far below the 120 s asked for: they woke when the future ended, not at their deadline.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact(Timeout = 120_000)]
    public async Task AForceCancelSentToTheOtherNodeKillsTheWorkerRunningTheItem()
    {
        await using var cluster = await Cluster.CreateAsync();
        var (a, b) = await StartTwoAsync(cluster);
        var job = await a.Client.CallAsync("sleep", 60.0);
        var id = job.FutureIds![0];
        await a.Client.WaitForStateAsync(id, FutureState.Running);
        var worker = (await a.Client.FutureAsync(id)).WorkerPid!.Value;
        var other = a.WorkerPids.Contains(worker) ? b : a;

        using var response = await other.Client.DeleteAsync($"/futures/{id}?force=true");

        response.EnsureSuccessStatusCode();
        Assert.Equal(FutureState.Cancelled, (await b.Client.FutureAsync(id)).State);
        Assert.True(await ProcessTable.WaitUntilGoneAsync([worker], TimeSpan.FromSeconds(10)), "the worker running the item was not killed");
    }

    [Fact(Timeout = 180_000)]
    public async Task WhenANodeIsKilledMidMapTheOtherFinishesEveryItemExactlyOnce()
    {
        await using var cluster = await Cluster.CreateAsync();
        var (a, b) = await StartTwoAsync(cluster);
        var job = await a.Client.MapAsync("sleep", Enumerable.Repeat<object>(0.25, 24), new { chunksize = 1 });
        await WaitUntilAsync(async () => (await b.Client.JobAsync(job.JobId)).Counts.Finished >= 4);

        ProcessTable.Signal(a.Pid, 9);

        var results = await b.Client.ResultsAsync(job.JobId);
        Assert.Equal(Enumerable.Range(0, 24), results.Results.Select(r => r.Index));
        Assert.All(results.Results, r => Assert.Equal(FutureState.Finished, r.State));
        var summary = await b.Client.JobAsync(job.JobId);
        Assert.Equal(JobState.Completed, summary.State);
        Assert.Equal(24, summary.Counts.Finished);
        Assert.Equal(0, summary.Counts.Failed + summary.Counts.Cancelled + summary.Counts.Pending + summary.Counts.Running);
    }

    [Fact(Timeout = 120_000)]
    public async Task EventsOfAJobAcceptedByOneNodeStreamFromTheOtherAndResumeOnEitherInTheSameOrder()
    {
        await using var cluster = await Cluster.CreateAsync();
        var nodes = await cluster.StartAsync(2, settings: new Dictionary<string, string> { ["Jobs:EventKeepAliveSeconds"] = "1" });
        var (a, b) = (nodes[0], nodes[1]);
        // The last item keeps the stream quiet for a few keep-alive intervals.
        var job = await a.Client.MapAsync("sleep", Enumerable.Repeat<object>(0.1, 12).Append(3.0), new { chunksize = 1 });

        List<ServerSentEvent> first;
        int pings;
        await using (var onB = await EventStreamReader.OpenAsync(b.Client, job.JobId))
        {
            first = await onB.TakeAsync(5);
            pings = onB.Comments;
        }
        await using var onA = await EventStreamReader.OpenAsync(a.Client, job.JobId, lastEventId: first[^1].Id);
        var rest = await onA.ToEndAsync();
        pings += onA.Comments;

        var futures = first.Concat(rest.Where(e => e.Event == "future")).ToList();
        Assert.Equal(Enumerable.Range(1, 13).Select(i => i.ToString()), futures.Select(e => e.Id));
        var indexes = futures.Select(e => e.Json.GetProperty("index").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, 13), indexes.Order());
        Assert.Equal("end", rest[^1].Event);
        Assert.Equal(13, rest[^1].Json.GetProperty("counts").GetProperty("finished").GetInt32());
        Assert.True(pings > 0, "no keep-alive comment while the last item ran");
        await using var again = await EventStreamReader.OpenAsync(b.Client, job.JobId);
        Assert.Equal(indexes, (await again.ToEndAsync()).Where(e => e.Event == "future").Select(e => e.Json.GetProperty("index").GetInt32()));
    }

    private static async Task<(ServiceHost A, ServiceHost B)> StartTwoAsync(Cluster cluster)
    {
        var nodes = await cluster.StartAsync(2);
        return (nodes[0], nodes[1]);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("the condition never held");
    }
}
