using System.Net;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>GET /jobs/{id}/events: as_completed pushed as Server-Sent Events, resumable with Last-Event-ID; on either provider.</summary>
[Collection("service")]
public class EventsTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task EveryFutureOfAMapArrivesOnceInOrderOfEndingThenAnEndEventClosesTheStream()
    {
        var job = await Client.MapAsync("sleep", Enumerable.Repeat<object>(0.02, 30), new { chunksize = 2 });

        await using var stream = await EventStreamReader.OpenAsync(Client, job.JobId);
        var events = await stream.ToEndAsync();

        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(stream.Response.Headers.CacheControl?.NoCache);
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());
        var futures = events.Where(e => e.Event == "future").ToList();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => i.ToString()), futures.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(0, 30), futures.Select(e => e.Json.GetProperty("index").GetInt32()).Order());
        Assert.All(futures, e => Assert.Equal($"{job.JobId}.{e.Json.GetProperty("index").GetInt32()}", e.Json.GetProperty("futureId").GetString()));
        Assert.All(futures, e => Assert.Equal(0.02, e.Json.GetProperty("result").GetDouble()));
        var end = Assert.Single(events, e => e.Event == "end");
        Assert.Same(end, events[^1]);
        Assert.Equal("completed", end.Json.GetProperty("state").GetString());
        Assert.Equal(30, end.Json.GetProperty("counts").GetProperty("finished").GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AFailingItemsEventCarriesItsError()
    {
        var job = await Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "fail", args = new[] { "boom" } }, new { function = "echo", args = new[] { 7 } } },
        });

        await using var stream = await EventStreamReader.OpenAsync(Client, job.JobId);
        var events = await stream.ToEndAsync();

        var failed = Assert.Single(events, e => e.Event == "future" && e.Json.GetProperty("index").GetInt32() == 0).Json;
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Contains("boom", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.False(failed.TryGetProperty("result", out _));
        var echoed = Assert.Single(events, e => e.Event == "future" && e.Json.GetProperty("index").GetInt32() == 1).Json;
        Assert.Equal(7, echoed.GetProperty("result").GetInt32());
        Assert.Equal(1, events[^1].Json.GetProperty("counts").GetProperty("failed").GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ReconnectingWithLastEventIdGivesExactlyTheRestInTheSameOrder()
    {
        var job = await Client.MapAsync("sleep", Enumerable.Repeat<object>(0.05, 24), new { chunksize = 1 });

        List<ServerSentEvent> first;
        await using (var stream = await EventStreamReader.OpenAsync(Client, job.JobId)) first = await stream.TakeAsync(7);
        await using var resumed = await EventStreamReader.OpenAsync(Client, job.JobId, lastEventId: first[^1].Id);
        var rest = (await resumed.ToEndAsync()).Where(e => e.Event == "future").ToList();

        Assert.Equal(Enumerable.Range(8, 17).Select(i => i.ToString()), rest.Select(e => e.Id));
        var indexes = first.Concat(rest).Select(e => e.Json.GetProperty("index").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, 24), indexes.Order());
        // The order is the job's, not the connection's: read again from the start, and from the query parameter, it is the same.
        await using var again = await EventStreamReader.OpenAsync(Client, job.JobId);
        Assert.Equal(indexes, (await again.ToEndAsync()).Where(e => e.Event == "future").Select(e => e.Json.GetProperty("index").GetInt32()));
        await using var byQuery = await EventStreamReader.OpenAsync(Client, job.JobId, query: "?lastEventId=20");
        Assert.Equal(indexes[20..], (await byQuery.ToEndAsync()).Where(e => e.Event == "future").Select(e => e.Json.GetProperty("index").GetInt32()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancelledFuturesAreEventsTooAndTheEndSaysTheJobWasCancelled()
    {
        var job = await Client.MapAsync("sleep", Enumerable.Repeat<object>(30.0, 6), new { chunksize = 1 });
        await Client.WaitForStateAsync(job.FutureIds![0], FutureState.Running);
        await using var stream = await EventStreamReader.OpenAsync(Client, job.JobId);

        using var cancel = await Client.DeleteAsync($"/jobs/{job.JobId}?force=true");
        cancel.EnsureSuccessStatusCode();
        var events = await stream.ToEndAsync();

        var states = events.Where(e => e.Event == "future").Select(e => e.Json.GetProperty("state").GetString()).ToList();
        Assert.Equal(Enumerable.Repeat("cancelled", 6), states);
        Assert.Equal("cancelled", events[^1].Json.GetProperty("state").GetString());
        Assert.Equal(6, events[^1].Json.GetProperty("counts").GetProperty("cancelled").GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ResumingAfterTheLastFutureGivesOnlyTheEndEvent()
    {
        var job = await Client.CallAsync("echo", 1);
        await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        await using var stream = await EventStreamReader.OpenAsync(Client, job.JobId, lastEventId: "1");

        Assert.Equal(["end"], (await stream.ToEndAsync()).Select(e => e.Event));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnUnknownJobIs404AndABadEventIdIs400()
    {
        using var unknown = await Client.GetAsync($"/jobs/{new string('a', 24)}/events");
        await unknown.ProblemAsync(HttpStatusCode.NotFound);

        var job = await Client.CallAsync("echo", 1);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{job.JobId}/events");
        request.Headers.Add("Last-Event-ID", "2");
        using var beyond = await Client.SendAsync(request);
        var problem = await beyond.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Last-Event-ID", out _));
        using var garbage = await Client.GetAsync($"/jobs/{job.JobId}/events?lastEventId=x");
        await garbage.ProblemAsync(HttpStatusCode.BadRequest);
    }
}

[Collection("service-postgres")]
public sealed class EventsTestsOnPostgreSql(PostgresServiceFixture service) : EventsTests(service);
