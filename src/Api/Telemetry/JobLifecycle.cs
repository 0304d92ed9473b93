using JobService.Api.Scheduling;
using JobService.Api.Storage;

namespace JobService.Api.Telemetry;

/// <summary>
/// Where a job's life is told: the metrics, and the Information-level log lines DESIGN.md asks for (one per job
/// accepted and completed, one per failed item; each item's outcome at Debug), with JobId and FutureId properties.
/// </summary>
public sealed partial class JobLifecycle(IJobStore store, JobMetrics metrics, TimeProvider clock, ILogger<JobLifecycle> log)
{
    public JobMetrics Metrics => metrics;

    public void Accepted(JobSpec spec) =>
        JobAccepted(log, spec.Id, spec.Type, string.Join(", ", spec.Functions), spec.Count, spec.Plan.Chunks, spec.Owner ?? "(no key)");

    /// <summary>Outcomes about to be written: counted now (metrics and the dispatch job's tally, in one pass), so that a scrape never waits on the store.</summary>
    public void Recording(UnitClaim claim, ReadOnlySpan<ItemOutcome> outcomes, UnitTally tally)
    {
        var (finished, failed) = metrics.Recorded(claim, outcomes);
        tally.Add(finished, failed);
    }

    /// <summary>Outcomes written; <paramref name="completed"/> when they ended the job.</summary>
    public async Task RecordedAsync(UnitClaim claim, ReadOnlyMemory<ItemOutcome> outcomes, bool completed)
    {
        var debug = log.IsEnabled(LogLevel.Debug);
        foreach (var outcome in outcomes.Span)
        {
            if (outcome.Kind == OutcomeKind.Failed) ItemFailed(log, claim.Job.Id, Future(claim, outcome), outcome.Error!.Type, outcome.Error.Message);
            else if (debug) ItemEnded(log, claim.Job.Id, Future(claim, outcome), outcome.Kind, outcome.ElapsedMicros / 1000.0, outcome.WorkerPid);
        }
        // The counts take a read of the job: only when the line will be written (not on a node logging at Warning).
        if (!completed || !log.IsEnabled(LogLevel.Information) || await store.GetJobAsync(claim.Job.Id, CancellationToken.None) is not { } job) return;
        var seconds = ((job.CompletedAt ?? clock.GetUtcNow()) - job.Spec.CreatedAt).TotalSeconds;
        JobCompleted(log, job.Spec.Id, job.Counts.Finished, job.Counts.Failed, job.Counts.Cancelled, seconds);
    }

    public void Cancelled(JobSpec spec, int count)
    {
        metrics.Cancelled(spec, count);
        if (count > 0) FuturesCancelled(log, spec.Id, count);
    }

    private static string Future(UnitClaim claim, in ItemOutcome outcome) => new FutureId(claim.Job.Id, outcome.Index).ToString();

    [LoggerMessage(LogLevel.Information, "Job {JobId} accepted: {Type} of {Count} items of {Functions} in {Chunks} chunks, for {Key}")]
    private static partial void JobAccepted(ILogger log, string jobId, JobType type, string functions, int count, int chunks, string key);

    [LoggerMessage(LogLevel.Information, "Job {JobId} completed in {Seconds:0.###} s: {Finished} finished, {Failed} failed, {Cancelled} cancelled")]
    private static partial void JobCompleted(ILogger log, string jobId, int finished, int failed, int cancelled, double seconds);

    [LoggerMessage(LogLevel.Information, "Future {FutureId} of job {JobId} failed: {ErrorType}: {ErrorMessage}")]
    private static partial void ItemFailed(ILogger log, string jobId, string futureId, string errorType, string errorMessage);

    [LoggerMessage(LogLevel.Debug, "Future {FutureId} of job {JobId} {Outcome} in {Milliseconds:0.###} ms on worker {WorkerPid}")]
    private static partial void ItemEnded(ILogger log, string jobId, string futureId, OutcomeKind outcome, double milliseconds, int workerPid);

    [LoggerMessage(LogLevel.Information, "Job {JobId}: {Count} futures cancelled by a client")]
    private static partial void FuturesCancelled(ILogger log, string jobId, int count);
}
