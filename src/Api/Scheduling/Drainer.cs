using JobService.Api.Pool;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

/// <summary>
/// What a Hangfire dispatch job does: with a worker in hand, claims the unit it names (unless another
/// node already has it), runs it, then keeps claiming the oldest ready units of this node's queues, and
/// lingers a moment for new ones before it ends. So a stream of small submits costs one background job
/// per burst, not one per submit: units are fetched ahead from the store, as graphile-worker does. While it
/// lingers, a new job's intake may hand it a unit leased in the job's own commit (see <see cref="IdleDrainers"/>).
/// </summary>
public sealed class Drainer(
    IJobStore store, UnitRunner runner, WorkerPool pool, FunctionTimings timings, IdleDrainers idle, IOptions<SchedulerOptions> options, TimeProvider clock)
{
    /// <summary>How many more single-item units of fast functions a drainer claims along with one: measured, a claim cost as much as running such a unit.</summary>
    private const int FetchAhead = 8;

    private int _running;
    private int _starting;

    /// <summary>Drainers running on this node (each holds one of its Hangfire workers), lingering ones included.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Drainers this node enqueued that have not started yet.</summary>
    public int Starting => Math.Max(0, Volatile.Read(ref _starting));

    /// <summary>The dispatcher enqueued one more: counted until it starts, here or on another node (then it is forgotten after a while).</summary>
    public void Enqueued() => Interlocked.Increment(ref _starting);

    /// <summary>Forgets enqueued drainers that never started here: another node took them.</summary>
    public void ForgetStarting() => Volatile.Write(ref _starting, 0);

    /// <returns>What it ran, for the dashboard (see <see cref="UnitTally"/>).</returns>
    public async Task<string> DrainAsync(UnitKey first, CancellationToken cancellationToken)
    {
        var tally = new UnitTally();
        Interlocked.Increment(ref _running);
        if (Interlocked.Decrement(ref _starting) < 0) Interlocked.Exchange(ref _starting, 0);
        var claimed = new Queue<UnitClaim>();
        var finishing = new List<Task>();
        try
        {
            UnitKey? named = first;
            var idleSince = clock.GetTimestamp();
            // The signal taken before the last look that found nothing: until it fires, no unit has been made ready since.
            Task? foundNothing = null;
            while (true)
            {
                // Take the signal before looking, so that a unit made ready between the look and the wait is not missed.
                var ready = store.NextUnitsReady();
                var worker = await pool.LeaseAsync(cancellationToken);
                try
                {
                    if (claimed.Count == 0 && foundNothing is not { IsCompleted: false }) await ClaimAsync(claimed, named, worker.Worker.Pid, cancellationToken);
                    foundNothing = null;
                }
                catch
                {
                    worker.Dispose();
                    throw;
                }
                named = null;
                if (claimed.TryDequeue(out var claim))
                {
                    // A quick unit is not waited for: the next lease waits for its worker. Another is waited for until its last
                    // items run: the next unit is claimed while they do, and runs while this one's last outcomes are written and
                    // its claim released.
                    var pid = worker.Worker.Pid;
                    var running = runner.RunAsync(claim, worker, tally, cancellationToken);
                    if (IsQuick(claim)) finishing.Add(running.Unwrap());
                    else
                    {
                        finishing.Add(await running);
                        if (claimed.Count == 0)
                        {
                            var before = store.NextUnitsReady();
                            await ClaimAsync(claimed, null, pid, cancellationToken);
                            // Measured on 100,000-item maps: the look at the top of the loop, right after, found nothing either.
                            if (claimed.Count == 0) foundNothing = before;
                        }
                    }
                    if (finishing.Count >= FetchAhead) await DrainFinishedAsync(finishing);
                    idleSince = clock.GetTimestamp();
                    continue;
                }
                worker.Dispose();
                await DrainFinishedAsync(finishing);
                var left = options.Value.Linger - clock.GetElapsedTime(idleSince);
                if (left <= TimeSpan.Zero) return tally.ToString();
                // A unit handed over by a new job's intake is leased already: it runs next, with no claim and no fetching ahead.
                if (await idle.WaitAsync(ready, left, clock, cancellationToken) is { } handed) claimed.Enqueue(handed);
            }
        }
        finally
        {
            try
            {
                // Stopping, or failing, with claims not yet run: their units go back to ready at once, not when their leases
                // run out; one release that fails does not keep the others from theirs (its lease ends it instead).
                foreach (var claim in claimed) await ReleaseQuietlyAsync(claim);
                // The units still finishing release their own claims; their exceptions (stopping, included) surface here.
                await Task.WhenAll(finishing);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>
    /// The named unit, else the oldest ready one; and when that one's functions are known to be fast, a few more
    /// behind it, fetched ahead in the same round trip's worth of work (they run one after another on this drainer).
    /// </summary>
    private async Task ClaimAsync(Queue<UnitClaim> claimed, UnitKey? named, int workerPid, CancellationToken cancellationToken)
    {
        var queues = options.Value.Served;
        var first = named is { } unit ? await store.ClaimUnitAsync(unit, workerPid, cancellationToken) : null;
        first ??= await store.ClaimNextAsync(queues, workerPid, cancellationToken);
        if (first is null) return;
        claimed.Enqueue(first);
        // Only quick units wait in this queue: a slow one must not wait behind others while another drainer could run it.
        if (!IsQuick(first)) return;
        foreach (var more in await store.ClaimAheadAsync(queues, workerPid, timings.FastFunctions, FetchAhead, cancellationToken)) claimed.Enqueue(more);
    }

    private bool IsQuick(UnitClaim claim) => claim.Pending.Count == 1 && claim.Job.Functions.All(timings.IsFast);

    private async Task ReleaseQuietlyAsync(UnitClaim claim)
    {
        try
        {
            await store.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (Exception)
        {
            // Storage unreachable: the claim's lease runs out and the unit is ready again then.
        }
    }

    private static async Task DrainFinishedAsync(List<Task> finishing)
    {
        await Task.WhenAll(finishing);
        finishing.Clear();
    }
}
