using JobService.Tests.Infrastructure;
using static JobService.Tests.Infrastructure.JsonLog;

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

    private static Task<ServiceHost> StartLoggingJsonAsync() => ServiceHost.StartAsync(workers: 1, JsonLog.NodeSettings);

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
}
