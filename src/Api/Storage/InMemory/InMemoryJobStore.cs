using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace JobService.Api.Storage.InMemory;

/// <summary>The embedded default store: one node, nothing to install, gone when the process ends.</summary>
internal sealed class InMemoryJobStore(TimeProvider clock, CancelSignals cancels) : IJobStore
{
    private readonly ConcurrentDictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
    private readonly LinkedList<JobRecord> _newestLast = [];
    private readonly Lock _listGate = new();
    private readonly ReadyUnits _ready = new();
    private readonly JobSignal _readySignal = new();

    public AddedJob Add(NewJob job, int claimHere)
    {
        var record = new JobRecord(job);
        lock (_listGate) _newestLast.AddLast(record);
        _jobs[job.Spec.Id] = record;
        for (var unit = 0; unit < job.Spec.Plan.Units; unit++) _ready.Add(job.Spec.Options.Queue, job.Spec.Owner, new UnitKey(job.Spec.Id, unit));
        _readySignal.Pulse();
        return AddedJob.Stored;
    }

    public ValueTask<JobSummary?> GetJobAsync(string jobId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(jobId, out var job) ? job.Summary() : null);

    public ValueTask<IReadOnlyDictionary<string, JobSpec>> SpecsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, JobSpec>>(jobIds
            .Select(id => _jobs.TryGetValue(id, out var job) ? job.Spec : null)
            .OfType<JobSpec>()
            .ToDictionary(spec => spec.Id));

    public ValueTask<IReadOnlyList<JobSummary>> ListJobsAsync(JobState? state, string? owner, int limit, CancellationToken cancellationToken)
    {
        var found = new List<JobSummary>(limit);
        lock (_listGate)
        {
            for (var node = _newestLast.Last; node is not null && found.Count < limit; node = node.Previous)
            {
                if (owner is not null && node.Value.Spec.Owner != owner) continue;
                var summary = node.Value.Summary();
                if (state is null || summary.State == state) found.Add(summary);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<JobSummary>>(found);
    }

    public async ValueTask<FutureSnapshot?> GetFutureAsync(FutureId id, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!TryFind(id, out var job)) return null;
        await WaitUntilAsync(job, () => job.IsTerminal(id.Index), clock.GetUtcNow() + wait, cancellationToken);
        return job.Snapshot(id.Index);
    }

    public Task NextUnitsReady() => _readySignal.NextChange();

    public ValueTask<IReadOnlyList<UnitKey>> ReadyUnitsAsync(string queue, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<UnitKey>>(_ready.Peek(queue, limit));

    public ValueTask<UnitClaim?> ClaimUnitAsync(UnitKey unit, int workerPid, CancellationToken cancellationToken)
    {
        _ready.Remove(unit);
        return ValueTask.FromResult(Claim(unit, workerPid));
    }

    public ValueTask<UnitClaim?> ClaimNextAsync(IReadOnlyList<string> queues, int workerPid, CancellationToken cancellationToken)
    {
        while (_ready.TryTake(queues, out var unit))
            if (Claim(unit, workerPid) is { } claim)
                return ValueTask.FromResult<UnitClaim?>(claim);
        return ValueTask.FromResult<UnitClaim?>(null);
    }

    // A claim here is a dictionary look-up: nothing to save by claiming ahead.
    public ValueTask<IReadOnlyList<UnitClaim>> ClaimAheadAsync(
        IReadOnlyList<string> queues, int workerPid, IReadOnlyCollection<string> quickFunctions, int max, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<UnitClaim>>([]);

    private UnitClaim? Claim(UnitKey unit, int workerPid)
    {
        if (!_jobs.TryGetValue(unit.JobId, out var job) || job.ClaimUnit(unit.Unit) is not { } claim) return null;
        job.Claim(claim.Pending, workerPid, Now);
        _ready.Started(claim.Job.Owner);
        return claim;
    }

    public ValueTask<int[]> ClaimItemsAsync(UnitClaim claim, IReadOnlyList<int> indices, int workerPid, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(claim.Job.Id, out var job) ? job.Claim(indices, workerPid, Now) : []);

    public ValueTask<bool> RecordAsync(UnitClaim claim, ReadOnlyMemory<ItemOutcome> outcomes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(claim.Job.Id, out var job) && job.Record(outcomes.Span, Now));

    public ValueTask ReleaseAsync(UnitClaim claim, CancellationToken cancellationToken)
    {
        _ready.Ended(claim.Job.Owner);
        if (_jobs.TryGetValue(claim.Job.Id, out var job) && job.ReleaseUnit(claim.Unit))
        {
            _ready.Add(claim.Job.Options.Queue, claim.Job.Owner, new UnitKey(claim.Job.Id, claim.Unit));
            _readySignal.Pulse();
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<int>?> RenewAsync(UnitClaim claim, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<int>?>(_jobs.TryGetValue(claim.Job.Id, out var job)
            ? claim.Pending.Where(i => job.State(i) == FutureState.Cancelled).ToList()
            : null);

    public ValueTask<List<int>> UnfinishedAsync(UnitClaim claim, IReadOnlyList<int> indices, CancellationToken cancellationToken) =>
        ValueTask.FromResult(indices.Where(i => !IsTerminal(claim.Job.Id, i)).ToList());

    public ValueTask<CancelOutcome?> CancelFutureAsync(FutureId id, bool force, CancellationToken cancellationToken)
    {
        if (!TryFind(id, out var job)) return ValueTask.FromResult<CancelOutcome?>(null);
        var outcome = job.Cancel(id.Index, force, Now);
        if (outcome.WasRunning) cancels.Publish(id.JobId, [id.Index]);
        return ValueTask.FromResult<CancelOutcome?>(outcome);
    }

    public ValueTask<JobCancelOutcome?> CancelJobAsync(string jobId, bool force, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var job)) return ValueTask.FromResult<JobCancelOutcome?>(null);
        var (cancelled, interrupted) = job.CancelAll(force, Now);
        cancels.Publish(jobId, interrupted);
        return ValueTask.FromResult<JobCancelOutcome?>(new JobCancelOutcome(cancelled, interrupted, job.Summary()));
    }

    public ValueTask CheckAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<long> PendingItemsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.Values.Sum(job => (long)job.Summary().Counts.Pending));

    private bool IsTerminal(string jobId, int index) =>
        !_jobs.TryGetValue(jobId, out var job) || job.IsTerminal(index);

    public async IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> ReadResultsAsync(
        string jobId, ResultOrder order, int offset, int limit, DateTimeOffset deadline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var job)) yield break;
        var end = (int)Math.Min(job.Spec.Count, (long)offset + limit);
        // Entries are copied out a batch at a time: one lock per 512 results, not per result.
        var batch = new ResultEntry[Math.Clamp(end - offset, 1, 512)];
        for (var position = offset; position < end;)
        {
            var want = Math.Min(batch.Length, end - position);
            var reached = position;
            int count;
            if (order == ResultOrder.Submitted)
            {
                if (!job.IsTerminal(reached)) await WaitUntilAsync(job, () => job.IsTerminal(reached), deadline, cancellationToken);
                // Past the deadline, unfinished items are listed as they are.
                count = job.CopyEntries(position, batch.AsSpan(0, want), terminalOnly: clock.GetUtcNow() < deadline);
                if (count == 0) count = job.CopyEntries(position, batch.AsSpan(0, 1), terminalOnly: false);
            }
            else
            {
                if (job.CompletedCount <= reached) await WaitUntilAsync(job, () => job.CompletedCount > reached, deadline, cancellationToken);
                // Completion order lists only terminal items: past the deadline there is nothing more to give.
                count = job.CopyCompleted(position, batch.AsSpan(0, want));
                if (count == 0) yield break;
            }
            yield return batch.AsMemory(0, count);
            position += count;
        }
    }

    public Task<WaitOutcome> WaitAsync(IReadOnlyList<FutureId> ids, ReturnWhen returnWhen, TimeSpan timeout, CancellationToken cancellationToken) =>
        FutureWaiter.WaitAsync(ids, jobId => _jobs.GetValueOrDefault(jobId), returnWhen, clock.GetUtcNow() + timeout, clock, cancellationToken);

    public ValueTask<(int Jobs, long Items)> ExpireAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        var expired = 0;
        var items = 0L;
        lock (_listGate)
        {
            for (var node = _newestLast.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.CompletedAt is { } completed && completed < completedBefore)
                {
                    _newestLast.Remove(node);
                    _jobs.TryRemove(node.Value.Spec.Id, out _);
                    expired++;
                    items += node.Value.Spec.Count;
                }
                node = next;
            }
        }
        return ValueTask.FromResult((expired, items));
    }

    private long Now => clock.GetUtcNow().UtcTicks;

    private bool TryFind(FutureId id, out JobRecord job) =>
        _jobs.TryGetValue(id.JobId, out job!) && (uint)id.Index < (uint)job.Spec.Count;

    private async Task WaitUntilAsync(JobRecord job, Func<bool> done, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the change before looking, so a change between the look and the wait is not missed.
            var change = job.Signal.NextChange();
            if (done()) return;
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero) return;
            await change.OrTimeoutAsync(remaining, clock, cancellationToken);
        }
    }
}
