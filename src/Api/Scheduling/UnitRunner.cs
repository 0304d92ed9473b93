using System.Data.Common;
using JobService.Api.Pool;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

/// <summary>
/// Runs one claimed unit (a run of a job's chunks) to the end: every item it holds leaves here
/// terminal, or pending again when the node stops. Crashes and timeouts cost only the item that
/// was running; the rest goes on in a fresh worker. While it runs, the lease is renewed, and items
/// force-cancelled on any node are interrupted here.
/// </summary>
public sealed class UnitRunner(
    IJobStore store,
    WorkerPool pool,
    FunctionTimings timings,
    CancelSignals cancels,
    IOptions<WorkerPoolOptions> poolOptions,
    IOptions<StorageOptions> storageOptions,
    IOptions<JobsOptions> jobsOptions,
    JobLifecycle lifecycle,
    ILogger<UnitRunner> log)
{
    /// <summary>Deliveries of a unit beyond its retries that may end with its node gone, before its items are failed instead of run again.</summary>
    private const int MaxNodeLosses = 2;

    private readonly RunningSessions _sessions = new(cancels);

    /// <param name="worker">The worker for the unit's first send. The runner returns it to the pool.</param>
    /// <param name="tally">Counts what the unit's items ended as, for the dispatch job that ran it.</param>
    /// <returns>
    /// Completes once the unit is about to need no worker any more: its last send's items nearly all reported (see
    /// <see cref="WorkerSession.NearlyDone"/>), or the run over. What it gives completes once the last outcomes are written
    /// and the claim is released, so that the next unit can be claimed, and run, meanwhile.
    /// </returns>
    public async Task<Task> RunAsync(UnitClaim claim, WorkerLease worker, UnitTally tally, CancellationToken cancellationToken)
    {
        var nearlyFree = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = RunToEndAsync(claim, worker, tally, nearlyFree, cancellationToken);
        await Task.WhenAny(nearlyFree.Task, run);
        // A run that failed before its items were all reported fails here, not behind the next unit.
        if (run.IsFaulted) await run;
        return run;
    }

    private async Task RunToEndAsync(UnitClaim claim, WorkerLease worker, UnitTally tally, TaskCompletionSource nearlyFree, CancellationToken cancellationToken)
    {
        var spec = claim.Job;
        tally.UnitRan();
        using var scope = log.BeginScope(new Dictionary<string, object> { ["JobId"] = spec.Id, ["Unit"] = claim.Unit });
        using var span = JobTracing.StartUnit(claim);
        // Checkpoint #1. The unit is leased to this node: its unfinished items are ours until the lease runs out. If this
        // node dies from here on, the lease ends without a renewal and another claim (here or elsewhere) runs them again.
        var remaining = claim.Pending.ToList();
        var blamed = new Dictionary<int, int>(claim.Blamed);
        if (claim.Attempts > spec.Options.Retries + 1 + MaxNodeLosses)
        {
            // Checkpoint #2. Every delivery of this unit so far ended with its node gone (crashed or killed while running it):
            // its unfinished items fail now, so that a unit that kills nodes does not run forever.
            worker.Dispose();
            await FailLostAsync(claim, remaining, tally);
            await store.ReleaseAsync(claim, CancellationToken.None);
            return;
        }
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Disposed when the run ends, which ends the renewals quietly: a wait cancelled instead throws, once per unit, and
        // measured on single-call submits that exception cost a tenth of a PostgreSQL node's CPU.
        using var renewals = new PeriodicTimer(storageOptions.Value.RenewInterval);
        var renewing = RenewAsync(claim, renewals, lost);
        // A timeout the job chose is exact per item, so its items run isolated; the default one is a safety net, and a
        // batched send it ends is re-run isolated, as after a crash, to pin it on its item.
        var timeout = TimeSpan.FromSeconds(spec.Options.TimeoutSeconds ?? jobsOptions.Value.DefaultTimeoutSeconds);
        var isolated = remaining.Count == 1 || spec.Options.TimeoutSeconds is not null || !spec.Functions.All(timings.IsFast);
        WorkerLease? claimedFor = worker;
        var recordings = new List<Task>();
        int[] sending = [];
        try
        {
            while (remaining.Count > 0)
            {
                using var lease = claimedFor ?? await pool.LeaseAsync(lost.Token);
                // Checkpoint #3. The items of the send are marked running on this worker before a byte is written to it
                // (the first send's were marked by the claim itself, for this worker or, for a unit fetched ahead, the
                // drainer's worker of that moment; the outcome records the one that ran it). A unit leased by its job's
                // intake is the exception: it is sent while that commit is under way, and its worker named once it has ended.
                sending = claimedFor is not null
                    ? TakeSend(remaining, lease.Worker).ToArray()
                    : await store.ClaimItemsAsync(claim, TakeSend(remaining, lease.Worker), lease.Worker.Pid, lost.Token);
                if (claimedFor is not null && claim.LeasedAtIntake)
                    recordings.Add(store.ClaimItemsAsync(claim, sending, lease.Worker.Pid, CancellationToken.None).AsTask());
                claimedFor = null;
                if (sending.Length == 0) continue;
                var session = new WorkerSession(claim, sending, isolated, timeout, lease, store, timings, lifecycle, tally)
                {
                    NearlyDone = remaining.Count == 0 ? nearlyFree : null,
                };
                SessionResult result;
                using (_sessions.Register(session)) result = await session.RunAsync(lost.Token);
                sending = [];
                recordings.Add(result.Recorded);
                // Checkpoint #4. The send is over: each item the worker reported has its outcome on its way to the store;
                // of the rest, the first was running when the worker died or timed out and is blamed (retried or failed),
                // and the others go back to the front of the unit, to the next worker.
                var unreported = result.Unreported;
                switch (result.End)
                {
                    case SessionEnd.Stopping:
                        remaining.InsertRange(0, unreported);
                        throw new OperationCanceledException(lost.Token);
                    case SessionEnd.TimedOut or SessionEnd.Crashed or SessionEnd.ProtocolBroken when isolated:
                        if (unreported.Count > 0 && await BlameAsync(claim, unreported[0], result, timeout, blamed, tally)) unreported.RemoveAt(0);
                        break;
                    case SessionEnd.TimedOut or SessionEnd.Crashed or SessionEnd.ProtocolBroken:
                        // Batched results may have been lost with the worker, so the running item is unknown:
                        // re-run what was not reported, isolated, where the next crash or timeout names its item exactly.
                        log.LogInformation("Worker {WorkerPid} {End} in a batched send; re-running {Count} unreported items isolated: {Detail}",
                            result.WorkerPid, result.End, unreported.Count, result.Detail);
                        isolated = true;
                        break;
                }
                remaining.InsertRange(0, unreported);
            }
            nearlyFree.TrySetResult();
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The lease was lost (this node stalled past it): another node owns the unit now and runs what is left.
            log.LogWarning("Lease of unit {Unit} of job {JobId} lost; leaving its {Count} unfinished items to the node that took it over",
                claim.Unit, spec.Id, remaining.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException and not DbException && !cancellationToken.IsCancellationRequested)
        {
            // Checkpoint #5. The node itself failed (a bug in the service, not the worker, not the function). Running the
            // items again would fail the same way, every time: they fail now, so the job ends instead of running forever.
            // Not caught here: a storage failure (what cannot be written cannot be failed either: the release below, or
            // the lease running out, hands the unit to the next claim, within the node-loss budget), nor anything once the
            // node is stopping (the pool closing under a unit is no reason to fail its items: they are pending again).
            log.LogError(e, "Unit {Unit} of job {JobId} failed in the node; failing its {Count} unfinished items",
                claim.Unit, spec.Id, sending.Length + remaining.Count);
            await Task.WhenAll(recordings);
            await FailBrokenAsync(claim, [.. sending, .. remaining], tally);
        }
        finally
        {
            nearlyFree.TrySetResult();
            claimedFor?.Dispose();
            renewals.Dispose();
            // A renewal under way is not waited for: its answer no longer matters.
            if (!renewing.IsCompleted) await lost.CancelAsync();
            await renewing;
            // Checkpoint #6. Every item is terminal (its outcome written), or the node is stopping, or the lease is lost.
            // The claim ends here either way, and what is not terminal is pending again for the next claim (after a
            // restart, or elsewhere): no item leaves this method running.
            try
            {
                await Task.WhenAll(recordings);
            }
            finally
            {
                await store.ReleaseAsync(claim, CancellationToken.None);
            }
        }
    }

    /// <summary>Renews the lease while the unit runs; interrupts items cancelled elsewhere; cancels the run when the lease is lost.</summary>
    private async Task RenewAsync(UnitClaim claim, PeriodicTimer renewals, CancellationTokenSource lost)
    {
        try
        {
            while (await renewals.WaitForNextTickAsync())
            {
                IReadOnlyList<int>? cancelled;
                try
                {
                    cancelled = await store.RenewAsync(claim, lost.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Storage unreachable for a moment: the lease has slack for a few missed renewals.
                    log.LogWarning("Lease renewal of unit {Unit} of job {JobId} failed: {Reason}", claim.Unit, claim.Job.Id, e.Message);
                    continue;
                }
                if (cancelled is null)
                {
                    await lost.CancelAsync();
                    return;
                }
                // Usually already done by the cancel's notification; this is the safety net when that was missed.
                if (cancelled.Count > 0) _sessions.Interrupt(claim.Job.Id, cancelled);
            }
        }
        catch (OperationCanceledException)
        {
            // The unit ended.
        }
    }

    /// <summary>What the worker may take before <c>MaxTasksPerChild</c> recycles it: all that remains, unless that is set.</summary>
    private List<int> TakeSend(List<int> remaining, WorkerProcess worker)
    {
        var max = poolOptions.Value.MaxTasksPerChild;
        var take = max > 0 ? Math.Clamp(max - worker.TasksRun, 1, remaining.Count) : remaining.Count;
        var send = remaining.GetRange(0, take);
        remaining.RemoveRange(0, take);
        return send;
    }

    /// <summary>The item that was running when its worker died or timed out: retried while retries allow, else failed. True if it is now terminal.</summary>
    private async Task<bool> BlameAsync(UnitClaim claim, int index, SessionResult result, TimeSpan timeout, Dictionary<int, int> blamed, UnitTally tally)
    {
        var spec = claim.Job;
        // The budget is counted from what the store recorded, so a re-delivery after a node died does not reset it.
        var attempts = blamed[index] = blamed.GetValueOrDefault(index) + 1;
        var error = result.End switch
        {
            SessionEnd.TimedOut => new FutureError("TimeoutError",
                $"item {index} ran longer than its {timeout.TotalSeconds:0.###}s timeout" +
                $"{(spec.Options.TimeoutSeconds is null ? " (Jobs:DefaultTimeoutSeconds; set timeoutSeconds to change it)" : "")}; worker {result.WorkerPid} was killed", null),
            SessionEnd.ProtocolBroken => new FutureError("WorkerProtocolError",
                $"worker {result.WorkerPid} broke the frame protocol while running item {index}: {result.Detail}", null),
            _ => new FutureError("WorkerCrashed",
                $"worker {result.WorkerPid} died while running item {index}: {result.Detail}", null),
        };
        var retry = attempts <= spec.Options.Retries;
        log.LogWarning("Future {FutureId} attempt {Attempt}: {ErrorType} ({Outcome}): {Message}",
            new FutureId(spec.Id, index).ToString(), attempts, error.Type, retry ? "retrying" : "failed", error.Message);
        var outcome = new ItemOutcome(index, retry ? OutcomeKind.Retrying : OutcomeKind.Failed, default, error, result.WorkerPid, 0);
        if (retry) lifecycle.Metrics.Retried();
        await RecordAsync(claim, [outcome], tally);
        return !retry;
    }

    private async Task FailBrokenAsync(UnitClaim claim, int[] items, UnitTally tally)
    {
        var unfinished = await store.UnfinishedAsync(claim, items, CancellationToken.None);
        var error = new FutureError("InternalError",
            $"the service failed while running unit {claim.Unit} of this job, so this item did not run; it is not retried (the node's log has the cause)", null);
        await RecordAsync(claim, unfinished.Select(i => new ItemOutcome(i, OutcomeKind.Failed, default, error, 0, 0)).ToArray(), tally);
    }

    private async Task FailLostAsync(UnitClaim claim, List<int> items, UnitTally tally)
    {
        var error = new FutureError("WorkerLost",
            $"the node running this item was lost {claim.Attempts - 1} times (crashed, killed or cut off from storage); it is not run again", null);
        log.LogWarning("Unit {Unit} of job {JobId} lost its node {Lost} times: failing its {Count} unfinished items",
            claim.Unit, claim.Job.Id, claim.Attempts - 1, items.Count);
        await RecordAsync(claim, items.Select(i => new ItemOutcome(i, OutcomeKind.Failed, default, error, 0, 0)).ToArray(), tally);
    }

    /// <summary>Outcomes the runner decides itself (not a worker's), counted like the workers' ones.</summary>
    private async Task RecordAsync(UnitClaim claim, ItemOutcome[] outcomes, UnitTally tally)
    {
        lifecycle.Recording(claim, outcomes, tally);
        await lifecycle.RecordedAsync(claim, outcomes, await store.RecordAsync(claim, outcomes, CancellationToken.None));
    }
}
