using System.Threading.Channels;

namespace JobService.Api.Storage.InMemory;

/// <summary>
/// <c>concurrent.futures.wait</c> over many futures. Each job is watched once; when it changes, only
/// its futures not yet done are looked at again, and a done future is never looked at twice. Measured:
/// waiting on 20,000 single-call jobs by rescanning all of them on every change cost more CPU than
/// running the jobs.
/// </summary>
internal sealed class FutureWaiter
{
    private readonly Channel<JobWatch> _changed = Channel.CreateUnbounded<JobWatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ReturnWhen _returnWhen;
    private int _pending;
    private bool _anyDone;
    private bool _anyFailed;

    private FutureWaiter(ReturnWhen returnWhen) => _returnWhen = returnWhen;

    public static async Task<WaitOutcome> WaitAsync(
        IReadOnlyList<FutureId> ids, Func<string, JobRecord?> find, ReturnWhen returnWhen,
        DateTimeOffset deadline, TimeProvider clock, CancellationToken cancellationToken)
    {
        var waiter = new FutureWaiter(returnWhen);
        foreach (var group in ids.GroupBy(id => id.JobId))
        {
            // A job that is gone (expired) holds only terminal futures.
            if (find(group.Key) is not { } job)
            {
                waiter._anyDone = true;
                continue;
            }
            var watch = new JobWatch(waiter, job, group.Select(id => id.Index).Distinct().ToList());
            waiter._pending += watch.Pending.Count;
            waiter.Arm(watch);
        }
        while (!waiter.Satisfied)
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero) break;
            try
            {
                waiter.Arm(await waiter._changed.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(remaining, clock, cancellationToken));
            }
            catch (TimeoutException)
            {
                break;
            }
            while (waiter._changed.Reader.TryRead(out var watch)) waiter.Arm(watch);
        }
        var done = new List<FutureId>();
        var notDone = new List<FutureId>();
        foreach (var id in ids) (find(id.JobId) is not { } job || job.IsTerminal(id.Index) ? done : notDone).Add(id);
        return new WaitOutcome(done, notDone);
    }

    private bool Satisfied => _returnWhen switch
    {
        ReturnWhen.FirstCompleted => _anyDone,
        ReturnWhen.FirstException => _anyFailed || _pending == 0,
        _ => _pending == 0,
    };

    /// <summary>Takes the job's next change first, then drops its futures that are done: a change in between is not missed.</summary>
    private void Arm(JobWatch watch)
    {
        var change = watch.Job.Signal.NextChange();
        var before = watch.Pending.Count;
        watch.Pending.RemoveAll(index =>
        {
            var state = watch.Job.State(index);
            _anyFailed |= state == FutureState.Failed;
            return state.IsTerminal();
        });
        _pending -= before - watch.Pending.Count;
        _anyDone |= watch.Pending.Count < before;
        if (watch.Pending.Count > 0)
            change.ContinueWith(static (_, state) => ((JobWatch)state!).Owner._changed.Writer.TryWrite((JobWatch)state!),
                watch, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>One job's futures among those waited on, and the ones of them not done yet.</summary>
    private sealed record JobWatch(FutureWaiter Owner, JobRecord Job, List<int> Pending);
}
