using JobService.Api.Pool;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

/// <summary>
/// Runs one dispatch unit (a run of a job's chunks) to the end: every item it claims leaves
/// here terminal, or pending again when the node stops. Crashes and timeouts cost only the
/// item that was running; the rest goes on in a fresh worker.
/// </summary>
public sealed class UnitRunner(
    IJobStore store,
    WorkerPool pool,
    FunctionTimings timings,
    IOptions<WorkerPoolOptions> poolOptions,
    ILogger<UnitRunner> log)
{
    private readonly RunningSessions _sessions = new();

    /// <summary>Force-cancel: kills the workers running these items (now, or when they reach them).</summary>
    public void Interrupt(string jobId, IEnumerable<int> indices) => _sessions.Interrupt(jobId, indices);

    public async Task RunAsync(string jobId, int unit, CancellationToken cancellationToken)
    {
        var job = await store.GetJobAsync(jobId, cancellationToken);
        if (job is null) return; // expired or never here: nothing left to run
        var spec = job.Spec;
        using var scope = log.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId, ["Unit"] = unit });
        var (first, count) = spec.Plan.UnitRange(unit, spec.Count);
        var remaining = Enumerable.Range(first, count).ToList();
        var isolated = remaining.Count == 1 || spec.Options.TimeoutSeconds is not null || !spec.Functions.All(timings.IsFast);
        var blamed = new Dictionary<int, int>();
        try
        {
            while (remaining.Count > 0)
            {
                using var lease = await pool.LeaseAsync(cancellationToken);
                var send = await store.ClaimAsync(jobId, TakeSend(remaining, lease.Worker), lease.Worker.Pid, cancellationToken);
                if (send.Length == 0) continue;
                var session = new WorkerSession(spec, send, isolated, lease, store, timings);
                SessionResult result;
                using (_sessions.Register(session)) result = await session.RunAsync(cancellationToken);
                var unreported = result.Unreported;
                switch (result.End)
                {
                    case SessionEnd.Stopping:
                        remaining.InsertRange(0, unreported);
                        throw new OperationCanceledException(cancellationToken);
                    case SessionEnd.TimedOut:
                    case SessionEnd.Crashed or SessionEnd.ProtocolBroken when isolated:
                        if (unreported.Count > 0 && await BlameAsync(spec, unreported[0], result, blamed)) unreported.RemoveAt(0);
                        break;
                    case SessionEnd.Crashed or SessionEnd.ProtocolBroken:
                        // Batched results may have been lost with the worker, so the running item is unknown:
                        // re-run what was not reported, isolated, where the next crash names its item exactly.
                        log.LogInformation("Worker {WorkerPid} died in a batched send; re-running {Count} unreported items isolated: {Detail}",
                            result.WorkerPid, unreported.Count, result.Detail);
                        isolated = true;
                        break;
                }
                remaining.InsertRange(0, unreported);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: what did not finish goes back to pending, for the re-queued unit to pick up.
            await store.ReleaseAsync(jobId, remaining, CancellationToken.None);
            throw;
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
    private async Task<bool> BlameAsync(JobSpec spec, int index, SessionResult result, Dictionary<int, int> blamed)
    {
        var attempts = blamed[index] = blamed.GetValueOrDefault(index) + 1;
        var error = result.End switch
        {
            SessionEnd.TimedOut => new FutureError("TimeoutError",
                $"item {index} ran longer than its {spec.Options.TimeoutSeconds:0.###}s timeout; worker {result.WorkerPid} was killed", null),
            SessionEnd.ProtocolBroken => new FutureError("WorkerProtocolError",
                $"worker {result.WorkerPid} broke the frame protocol while running item {index}: {result.Detail}", null),
            _ => new FutureError("WorkerCrashed",
                $"worker {result.WorkerPid} died while running item {index}: {result.Detail}", null),
        };
        var retry = attempts <= spec.Options.Retries;
        log.LogWarning("Future {FutureId} attempt {Attempt}: {ErrorType} ({Outcome}): {Message}",
            new FutureId(spec.Id, index).ToString(), attempts, error.Type, retry ? "retrying" : "failed", error.Message);
        var outcome = new ItemOutcome(index, retry ? OutcomeKind.Retrying : OutcomeKind.Failed, default, error, result.WorkerPid, 0);
        await store.RecordAsync(spec.Id, new[] { outcome }, CancellationToken.None);
        return !retry;
    }
}
