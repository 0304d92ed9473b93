namespace JobService.Api.Storage;

/// <summary>
/// Where jobs, their items and every item's outcome live. Hangfire only carries
/// (jobId, unit); everything else is read from here, so any node can answer for any future.
/// </summary>
public interface IJobStore
{
    ValueTask AddAsync(JobSpec spec, CancellationToken cancellationToken);

    ValueTask<JobSummary?> GetJobAsync(string jobId, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<JobSummary>> ListJobsAsync(JobState? state, int limit, CancellationToken cancellationToken);

    /// <summary>The future, once it is terminal or <paramref name="wait"/> has passed.</summary>
    ValueTask<FutureSnapshot?> GetFutureAsync(FutureId id, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Marks items running as they are sent to a worker and returns them; items already terminal are left out.</summary>
    ValueTask<int[]> ClaimAsync(string jobId, IReadOnlyList<int> indices, int workerPid, CancellationToken cancellationToken);

    /// <summary>Records outcomes; idempotent per item: an outcome for a terminal item is dropped.</summary>
    ValueTask RecordAsync(string jobId, ReadOnlyMemory<ItemOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Running items go back to pending, to be run by a later delivery of their unit.</summary>
    ValueTask ReleaseAsync(string jobId, IReadOnlyCollection<int> indices, CancellationToken cancellationToken);

    ValueTask<CancelOutcome?> CancelFutureAsync(FutureId id, bool force, CancellationToken cancellationToken);

    ValueTask<JobCancelOutcome?> CancelJobAsync(string jobId, bool force, CancellationToken cancellationToken);

    /// <summary>True when the item is finished, failed or cancelled (or its job is gone).</summary>
    bool IsTerminal(string jobId, int index);

    /// <summary>
    /// Results from <paramref name="offset"/> in item or completion order, waiting until <paramref name="deadline"/>
    /// for items to end; in batches, so a million results are not a million awaits. A batch is valid until the next is asked for.
    /// </summary>
    IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> ReadResultsAsync(string jobId, ResultOrder order, int offset, int limit, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary><c>concurrent.futures.wait</c>: which of <paramref name="ids"/> are done when the condition holds or the timeout passes.</summary>
    Task<WaitOutcome> WaitAsync(IReadOnlyList<FutureId> ids, ReturnWhen returnWhen, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Forgets jobs that completed before <paramref name="completedBefore"/>; returns how many, and how many items they held.</summary>
    ValueTask<(int Jobs, long Items)> ExpireAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken);
}

public enum ResultOrder
{
    Submitted,
    Completed,
}

public sealed record WaitOutcome(IReadOnlyList<FutureId> Done, IReadOnlyList<FutureId> NotDone);
