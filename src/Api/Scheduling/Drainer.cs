using JobService.Api.Pool;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

/// <summary>
/// What a Hangfire dispatch job does: with a worker in hand, claims the unit it names (unless another
/// node already has it), runs it, then keeps claiming the oldest ready units of this node's queues, and
/// lingers a moment for new ones before it ends. So a stream of small submits costs one background job
/// per burst, not one per submit: units are fetched ahead from the store, as graphile-worker does.
/// </summary>
public sealed class Drainer(IJobStore store, UnitRunner runner, WorkerPool pool, IOptions<SchedulerOptions> options, TimeProvider clock)
{
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

    public async Task DrainAsync(UnitKey first, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _running);
        if (Interlocked.Decrement(ref _starting) < 0) Interlocked.Exchange(ref _starting, 0);
        try
        {
            var queues = options.Value.Served;
            var linger = options.Value.Linger;
            UnitKey? named = first;
            var idleSince = clock.GetTimestamp();
            while (true)
            {
                // Take the signal before looking, so that a unit made ready between the look and the wait is not missed.
                var ready = store.NextUnitsReady();
                var worker = await pool.LeaseAsync(cancellationToken);
                UnitClaim? claim;
                try
                {
                    claim = named is { } unit
                        ? await store.ClaimUnitAsync(unit, worker.Worker.Pid, cancellationToken) ?? await store.ClaimNextAsync(queues, worker.Worker.Pid, cancellationToken)
                        : await store.ClaimNextAsync(queues, worker.Worker.Pid, cancellationToken);
                }
                catch
                {
                    worker.Dispose();
                    throw;
                }
                named = null;
                if (claim is not null)
                {
                    await runner.RunAsync(claim, worker, cancellationToken);
                    idleSince = clock.GetTimestamp();
                    continue;
                }
                worker.Dispose();
                var left = linger - clock.GetElapsedTime(idleSince);
                if (left <= TimeSpan.Zero) return;
                await ready.OrTimeoutAsync(left, clock, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
