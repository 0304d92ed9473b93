using JobService.Api.Storage;
using JobService.Tests.Infrastructure;
using static JobService.Tests.Infrastructure.JsonLog;

namespace JobService.Tests.Api;

/// <summary>A job followed as an operator follows it: its spans as a collector receives them by OTLP, and its log lines.</summary>
public sealed class TraceTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_map_is_one_trace_from_the_request_to_each_item_in_its_worker_and_a_failed_item_is_an_error_span()
    {
        await using var receiver = new OtlpReceiver();
        await using var host = await ServiceHost.StartAsync(workers: 1, receiver.NodeSettings);
        // fib(100) is refused by the function itself: a failed item.
        var job = await host.Client.MapAsync("fib", [10, 11, 12, 100]);
        var results = await host.Client.ResultsAsync(job.JobId);
        Assert.Equal([FutureState.Finished, FutureState.Finished, FutureState.Finished, FutureState.Failed], results.Results.Select(r => r.State));

        // A parent ends, and is exported, after its children: wait for every item's chain up to the request.
        var spans = await receiver.SpansUntilAsync(all => all.Count(IsItemOf(job.JobId)) == 4 && all.Where(IsItemOf(job.JobId)).All(s => HasRoot(all, s)),
            TimeSpan.FromSeconds(60));

        var items = spans.Where(IsItemOf(job.JobId)).OrderBy(s => int.Parse(s.Attributes["jobservice.item"])).ToList();
        Assert.Equal(4, items.Count);
        Assert.All(items, item => Assert.Equal("run fib", item.Name));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{job.JobId}.{i}"), items.Select(s => s.Attributes["jobservice.future_id"]));
        var byId = spans.ToDictionary(s => s.SpanId);
        foreach (var item in items)
        {
            // POST /jobs → run unit → send to worker → run fib, in the request's trace.
            var send = byId[item.ParentSpanId];
            var unit = byId[send.ParentSpanId];
            var request = byId[unit.ParentSpanId];
            // ASP.NET Core names the request span after its route template, the /jobs group's "/".
            Assert.Equal(("send to worker", "run unit", "POST /jobs/"), (send.Name, unit.Name, request.Name));
            Assert.Equal(job.JobId, unit.Attributes["jobservice.job_id"]);
            Assert.Equal("", request.ParentSpanId);
            Assert.All(new[] { item, send, unit }, s => Assert.Equal(request.TraceId, s.TraceId));
            // The item's times are the worker's own: inside the send that carried it.
            Assert.InRange(item.StartNanos, send.StartNanos, item.EndNanos);
            Assert.InRange(item.EndNanos, item.StartNanos, send.EndNanos);
            Assert.Equal(send.Attributes["jobservice.worker_pid"], item.Attributes["jobservice.worker_pid"]);
        }
        Assert.All(items[..3], item => Assert.Equal(0, item.StatusCode));
        Assert.Equal(2, items[3].StatusCode);
        Assert.Equal("ValueError", items[3].Attributes["error.type"]);
        Assert.Contains("45", items[3].StatusMessage);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task An_item_that_times_out_is_an_error_span_from_where_it_began_to_its_workers_end()
    {
        await using var receiver = new OtlpReceiver();
        await using var host = await ServiceHost.StartAsync(workers: 1, receiver.NodeSettings);
        var spinning = await host.Client.SubmitAsync(new { type = "submit", function = "spin", args = Array.Empty<object>(), timeoutSeconds = 1 });
        await host.Client.ResultsAsync(spinning.JobId);

        var spans = await receiver.SpansUntilAsync(all => all.Any(s => IsFuture(s, $"{spinning.JobId}.0") && HasRoot(all, s)), TimeSpan.FromSeconds(60));

        var timedOut = Assert.Single(spans, s => IsFuture(s, $"{spinning.JobId}.0"));
        Assert.Equal(("run spin", 2, "TimeoutError"), (timedOut.Name, timedOut.StatusCode, timedOut.Attributes["error.type"]));
        var send = Assert.Single(spans, s => s.SpanId == timedOut.ParentSpanId);
        Assert.Equal("send to worker", send.Name);
        Assert.InRange(timedOut.StartNanos, send.StartNanos, timedOut.EndNanos);
        Assert.InRange(timedOut.EndNanos, timedOut.StartNanos, send.EndNanos);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_line_a_function_prints_while_its_item_runs_is_logged_with_its_job_future_and_trace()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, JsonLog.NodeSettings);
        var job = await host.Client.CallAsync("print", "hello from an item");
        await host.Client.ResultsAsync(job.JobId);

        var events = await EventsUntilAsync(host, e => Property(e, "FutureId") == $"{job.JobId}.0" && Property(e, "Line") == "hello from an item");

        var accepted = events.Single(e => Template(e).StartsWith("Job {JobId} accepted", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        var printed = events.Where(e => Template(e) == "Worker {WorkerPid} stderr: {Line}" && Property(e, "Line") == "hello from an item").ToList();
        // print writes the text twice: through Console (labelled by the worker) and natively to descriptor 1 (which only the pid can tell).
        Assert.Equal(2, printed.Count);
        var labelled = Assert.Single(printed, e => Property(e, "FutureId") is not null);
        Assert.Equal((job.JobId, $"{job.JobId}.0"), (Property(labelled, "JobId"), Property(labelled, "FutureId")));
        Assert.Equal(Property(accepted, "@tr"), Property(labelled, "TraceId"));
        Assert.All(printed, e => Assert.NotNull(Property(e, "WorkerPid")));
    }

    /// <summary>True once every ancestor of <paramref name="span"/> has been received, up to one without a parent.</summary>
    private static bool HasRoot(IReadOnlyList<ExportedSpan> spans, ExportedSpan span)
    {
        for (var depth = 0; depth < 10; depth++)
        {
            if (span.ParentSpanId == "") return true;
            if (spans.FirstOrDefault(s => s.SpanId == span.ParentSpanId) is not { } parent) return false;
            span = parent;
        }
        return false;
    }

    private static bool IsFuture(ExportedSpan span, string futureId) =>
        span.Attributes.TryGetValue("jobservice.future_id", out var future) && future == futureId;

    private static Func<ExportedSpan, bool> IsItemOf(string jobId) =>
        s => s.Attributes.TryGetValue("jobservice.future_id", out var future) && future.StartsWith(jobId + ".", StringComparison.Ordinal);
}
