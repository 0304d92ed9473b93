using System.Text.Json;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>The lifecycle a node logs at Information, read as an operator's log pipeline reads it: structured JSON.</summary>
public sealed class LifecycleLogTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_job_logs_its_acceptance_its_failed_items_and_its_completion_with_their_properties()
    {
        await using var host = await StartLoggingJsonAsync();
        var job = await RunEchoAndFailAsync(host);

        var events = await EventsUntilAsync(host, e => Template(e).StartsWith("Job {JobId} completed", StringComparison.Ordinal));

        var accepted = Assert.Single(events, e => Template(e).StartsWith("Job {JobId} accepted", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        Assert.Equal("2", Property(accepted, "Count"));
        var failed = Assert.Single(events, e => Template(e).StartsWith("Future {FutureId}", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        Assert.Equal($"{job.JobId}.1", Property(failed, "FutureId"));
        Assert.Equal("Exception", Property(failed, "ErrorType"));
        var completed = Assert.Single(events, e => Template(e).StartsWith("Job {JobId} completed", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        Assert.Equal(("1", "1"), (Property(completed, "Finished"), Property(completed, "Failed")));
        Assert.Contains(events, e => Template(e).StartsWith("Worker {WorkerPid} started", StringComparison.Ordinal) && Property(e, "WorkerPid") is not null);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_jobs_work_is_logged_in_the_trace_of_the_request_that_created_it()
    {
        await using var host = await StartLoggingJsonAsync();
        var job = await RunEchoAndFailAsync(host);

        var events = await EventsUntilAsync(host, e => Template(e).StartsWith("Future {FutureId}", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);

        var accepted = events.Single(e => Template(e).StartsWith("Job {JobId} accepted", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        var failed = events.Single(e => Template(e).StartsWith("Future {FutureId}", StringComparison.Ordinal) && Property(e, "JobId") == job.JobId);
        Assert.NotNull(Property(accepted, "@tr"));
        Assert.Equal(Property(accepted, "@tr"), Property(failed, "@tr"));
        Assert.NotEqual(Property(accepted, "@sp"), Property(failed, "@sp"));
    }

    /// <summary>A node that writes, beside the console's text, one compact JSON event per line.</summary>
    private static Task<ServiceHost> StartLoggingJsonAsync() => ServiceHost.StartAsync(workers: 1, new Dictionary<string, string>
    {
        ["Serilog:WriteTo:1:Name"] = "Console",
        ["Serilog:WriteTo:1:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
    });

    private static async Task<JobAccepted> RunEchoAndFailAsync(ServiceHost host)
    {
        var job = await host.Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "echo", args = new[] { 1 } }, new { function = "fail", args = new[] { "on purpose" } } },
        });
        await host.Client.ResultsAsync(job.JobId);
        return job;
    }

    private static async Task<List<JsonElement>> EventsUntilAsync(ServiceHost host, Func<JsonElement, bool> seen)
    {
        for (var attempt = 0; ; attempt++)
        {
            var events = host.Log.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("{\"@t\"", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            if (events.Any(seen) || attempt == 100) return events;
            await Task.Delay(100);
        }
    }

    private static string Template(JsonElement e) => e.TryGetProperty("@mt", out var template) ? template.GetString()! : "";

    private static string? Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
}
