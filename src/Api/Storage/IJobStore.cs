namespace JobService.Api.Storage;

/// <summary>
/// Where jobs, their items and every item's outcome live, shaped like Hangfire's own storage: a unit
/// of a job is claimed with a lease (<see cref="UnitClaim"/>, as an <c>IFetchedJob</c>), run, and
/// released or completed. Hangfire only carries (jobId, unit); everything else is read from here, so
/// any node can answer for any future.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Stores a new job: it is committed once <see cref="AddedJob.Committed"/> completes (with PostgreSQL: it survives this
    /// node). Up to <paramref name="claimHere"/> of its first units are leased to this node in that same commit and given
    /// back at once, to run while the commit is under way: every write under them waits for it, and is dropped if it fails.
    /// A store whose claims cost nothing gives none.
    /// </summary>
    AddedJob Add(NewJob job, int claimHere);

    ValueTask<JobSummary?> GetJobAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>How many futures each of these jobs has; jobs that are unknown (or expired) are left out.</summary>
    ValueTask<IReadOnlyDictionary<string, JobSpec>> SpecsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<JobSummary>> ListJobsAsync(JobState? state, string? owner, int limit, CancellationToken cancellationToken);

    /// <summary>The future, once it is terminal or <paramref name="wait"/> has passed.</summary>
    ValueTask<FutureSnapshot?> GetFutureAsync(FutureId id, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// Completes at the next sign that units may have become ready to claim (a new job or a released unit, on any node).
    /// Take it before looking, so that a change between the look and the wait is not missed.
    /// </summary>
    Task NextUnitsReady();

    /// <summary>The oldest units of <paramref name="queue"/> that a claim would take now, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<UnitKey>> ReadyUnitsAsync(string queue, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Leases the unit to this node, unless it is complete or leased to someone else whose lease still runs; its
    /// unfinished items are running from now on, sent to worker <paramref name="workerPid"/>.
    /// </summary>
    ValueTask<UnitClaim?> ClaimUnitAsync(UnitKey unit, int workerPid, CancellationToken cancellationToken);

    /// <summary>Leases the oldest ready unit of these queues, if there is one, as <see cref="ClaimUnitAsync"/> does.</summary>
    ValueTask<UnitClaim?> ClaimNextAsync(IReadOnlyList<string> queues, int workerPid, CancellationToken cancellationToken);

    /// <summary>
    /// Fetching ahead: leases up to <paramref name="max"/> more ready units of one item each whose functions are all
    /// among <paramref name="quickFunctions"/>, to run one after another; only from a backlog, units that have waited a
    /// moment already. They count as running from now on. A store whose claims cost no round trip may claim none.
    /// </summary>
    ValueTask<IReadOnlyList<UnitClaim>> ClaimAheadAsync(
        IReadOnlyList<string> queues, int workerPid, IReadOnlyCollection<string> quickFunctions, int max, CancellationToken cancellationToken);

    /// <summary>Marks items running as they are sent to another worker and returns them; items already terminal are left out.</summary>
    ValueTask<int[]> ClaimItemsAsync(UnitClaim claim, IReadOnlyList<int> indices, int workerPid, CancellationToken cancellationToken);

    /// <summary>
    /// Records outcomes; idempotent per item: an outcome for a terminal item, or under a lost lease, is dropped.
    /// True when this write ended the job's last unfinished item (exactly one write of a job says so).
    /// </summary>
    ValueTask<bool> RecordAsync(UnitClaim claim, ReadOnlyMemory<ItemOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Ends the claim: its unfinished items go back to pending, for a later claim to run (node shutdown, or a unit done).</summary>
    ValueTask ReleaseAsync(UnitClaim claim, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the lease alive while the unit runs, and says which of its items were cancelled since it was claimed
    /// (force-cancel, from any node). Null when the lease was lost: another node owns the unit now.
    /// </summary>
    ValueTask<IReadOnlyList<int>?> RenewAsync(UnitClaim claim, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="indices"/> of the unit are not terminal yet, in the order given.</summary>
    ValueTask<List<int>> UnfinishedAsync(UnitClaim claim, IReadOnlyList<int> indices, CancellationToken cancellationToken);

    ValueTask<CancelOutcome?> CancelFutureAsync(FutureId id, bool force, CancellationToken cancellationToken);

    ValueTask<JobCancelOutcome?> CancelJobAsync(string jobId, bool force, CancellationToken cancellationToken);

    /// <summary>
    /// Results from <paramref name="offset"/> in item or completion order, waiting until <paramref name="deadline"/>
    /// for items to end; in batches, so a million results are not a million awaits. A batch is valid until the next is asked for.
    /// The completion order never changes once read: position n names the same outcome on every read and every node, so an
    /// offset (or an event ID of <c>GET /jobs/{id}/events</c>) resumes without loss or repeats.
    /// </summary>
    IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> ReadResultsAsync(string jobId, ResultOrder order, int offset, int limit, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary><c>concurrent.futures.wait</c>: which of <paramref name="ids"/> are done when the condition holds or the timeout passes.</summary>
    Task<WaitOutcome> WaitAsync(IReadOnlyList<FutureId> ids, ReturnWhen returnWhen, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Forgets jobs that completed before <paramref name="completedBefore"/>; returns how many, and how many items they held. Idempotent: any node may run it.</summary>
    ValueTask<(int Jobs, long Items)> ExpireAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken);

    /// <summary>Throws when the storage cannot be reached.</summary>
    ValueTask CheckAsync(CancellationToken cancellationToken);

    /// <summary>Items waiting for a worker, over every job (for the <c>jobservice_queue_items</c> gauge).</summary>
    ValueTask<long> PendingItemsAsync(CancellationToken cancellationToken);
}

/// <summary>A job being stored: its units leased to this node at intake, and the commit.</summary>
public sealed record AddedJob(IReadOnlyList<UnitClaim> Claims, Task Committed)
{
    public static readonly AddedJob Stored = new([], Task.CompletedTask);
}

public sealed record WaitOutcome(IReadOnlyList<FutureId> Done, IReadOnlyList<FutureId> NotDone);
