using JobService.Api.Jobs;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>GET /jobs/{id}/results: item order like Pool.map, completion order like as_completed, progress while running.</summary>
[Collection("service")]
public class ResultsTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task CompletedOrderListsFuturesAsTheyEnded()
    {
        // Two workers: item 0 sleeps long on one; items 1 and 2 run one after the other on the other.
        var job = await Client.MapAsync("sleep", [2.5, 0.1, 0.6], new { chunksize = 1 });

        var page = await Client.ResultsAsync(job.JobId, "order=completed&wait=60");

        Assert.Equal([1, 2, 0], page.Results.Select(r => r.Index));
        Assert.All(page.Results, r => Assert.Equal(FutureState.Finished, r.State));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task SubmittedOrderHonoursOffsetAndLimit()
    {
        var job = await Client.MapAsync("echo", Enumerable.Range(0, 10).Select(i => (object)(i * i)));

        var page = await Client.ResultsAsync(job.JobId, "offset=3&limit=4&wait=60");

        Assert.Equal([3, 4, 5, 6], page.Results.Select(r => r.Index));
        Assert.Equal([9, 16, 25, 36], page.Results.Select(r => r.Result!.Value.GetInt32()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ResultsWithoutWaitShowUnfinishedItemsAsTheyAre()
    {
        var job = await Client.MapAsync("sleep", [0.0, 3.0], new { chunksize = 2 });
        await Client.FutureAsync($"{job.JobId}.0", waitSeconds: 60);

        var page = await Client.ResultsAsync(job.JobId, "wait=0");

        Assert.Equal(FutureState.Finished, page.Results[0].State);
        Assert.Equal(FutureState.Running, page.Results[1].State);
        Assert.Null(page.Results[1].Result);
        // The next test of the collection gets both workers.
        await Client.ResultsAsync(job.JobId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task JobSummaryShowsProgressItemByItemWhileItRuns()
    {
        var job = await Client.MapAsync("sleep", [0.01, 0.01, 4.0], new { chunksize = 3 });
        await Client.FutureAsync($"{job.JobId}.1", waitSeconds: 60);

        var summary = await Client.JobAsync(job.JobId);

        Assert.Equal(JobState.Running, summary.State);
        Assert.Equal(2, summary.Counts.Finished);
        Assert.Equal(1, summary.Counts.Running);
        Assert.Equal(2.0 / 3, summary.Progress, 4);
        await Client.ResultsAsync(job.JobId);
        Assert.Equal(JobState.Completed, (await Client.JobAsync(job.JobId)).State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task SubmitWithCallsRunsDifferentFunctionsInOrder()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[]
            {
                new { function = "fib", args = new[] { 20 } },
                new { function = "add", args = new[] { 1.5, 2 } },
                new { function = "fail", args = new[] { "no" } },
                new { function = "echo", args = new object[] { new { a = 1 } } },
            },
        });

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal(6765, page.Results[0].Result!.Value.GetInt64());
        Assert.Equal(3.5, page.Results[1].Result!.Value.GetDouble());
        Assert.Equal("no", page.Results[2].Error!.Message);
        Assert.Equal(1, page.Results[3].Result!.Value.GetProperty("a").GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapSpreadsArrayItemsOverAFunctionOfSeveralParameters()
    {
        var job = await Client.MapAsync("add", [new[] { 1, 2 }, new[] { 10, 20 }]);

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal([3.0, 30.0], page.Results.Select(r => r.Result!.Value.GetDouble()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task TheCompactShapeGivesBareValuesWithTheOtherItemsListedBeside()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[]
            {
                new { function = "echo", args = new[] { 10 } },
                new { function = "fail", args = new[] { "boom" } },
                new { function = "echo", args = new[] { "x" } },
            },
        });

        var compact = await Client.GetOk<CompactResults>($"/jobs/{job.JobId}/results?shape=compact&wait=60");

        Assert.Equal(10, compact.Values[0]!.Value.GetInt32());
        Assert.Null(compact.Values[1]);
        Assert.Equal("x", compact.Values[2]!.Value.GetString());
        var failed = Assert.Single(compact.Failed);
        Assert.Equal((1, "boom"), (failed.Index, failed.Message));
        Assert.Empty(compact.Cancelled);
        Assert.Empty(compact.Unfinished);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task TheCompactShapeOfAMapOfIntegersCostsLittleMoreThanTheIntegers()
    {
        var items = Enumerable.Range(0, 10_000).ToArray();
        var job = await Client.MapAsync("echo", items.Cast<object>());

        var body = await Client.GetStringAsync($"/jobs/{job.JobId}/results?shape=compact&wait=60");

        var bare = System.Text.Json.JsonSerializer.Serialize(items).Length;
        Assert.True(body.Length <= bare * 1.3, $"{body.Length} bytes for {bare} bytes of bare values");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task NdjsonGivesOneResultPerLine()
    {
        var job = await Client.MapAsync("echo", [1, 2, 3]);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{job.JobId}/results?wait=60");
        request.Headers.Accept.ParseAdd("application/x-ndjson");

        using var response = await Client.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([1, 2, 3], lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("result").GetInt32()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task TheCompactShapeRefusesCompletionOrder()
    {
        var job = await Client.CallAsync("echo", 1);

        using var response = await Client.GetAsync($"/jobs/{job.JobId}/results?shape=compact&order=completed");

        await response.ProblemAsync(System.Net.HttpStatusCode.BadRequest);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task RecentJobsAreListedNewestFirst()
    {
        var older = await Client.CallAsync("echo", 1);
        var newer = await Client.CallAsync("echo", 2);

        var list = await Client.GetOk<JobList>("/jobs?limit=2");

        Assert.Equal([newer.JobId, older.JobId], list.Jobs.Select(j => j.JobId));
    }
}

[Collection("service-postgres")]
public sealed class ResultsTestsOnPostgreSql(PostgresServiceFixture service) : ResultsTests(service);
