using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using JobService.Api.Pool;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

/// <summary>
/// Turns ready units into Hangfire dispatch jobs: when units wait in the store (new, released by a
/// stopping node, or left by a dead node whose lease ran out) and this node has fewer drainers than
/// workers, it enqueues more, each naming the oldest unit. Units are in the store before any of this
/// happens, so a crash here loses nothing: the next look, on any node, finds them still ready.
/// </summary>
internal sealed class Dispatcher(
    IJobStore store,
    Drainer drainer,
    IBackgroundJobClient hangfire,
    IOptions<SchedulerOptions> scheduler,
    IOptions<WorkerPoolOptions> pool,
    TimeProvider clock,
    ILogger<Dispatcher> log) : BackgroundService
{
    private static readonly MethodInfo Run = typeof(DispatchJob).GetMethod(nameof(DispatchJob.RunAsync))!;

    /// <summary>How often the store is looked at without being told of a change: the bound on noticing a dead node's units.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastForget = clock.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var ready = store.NextUnitsReady();
                await DispatchAsync(stoppingToken);
                if (clock.GetElapsedTime(lastForget) > Poll * 3)
                {
                    drainer.ForgetStarting();
                    lastForget = clock.GetTimestamp();
                }
                await ready.OrTimeoutAsync(Poll, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Storage or Hangfire unreachable for a moment: the units wait in the store; look again shortly.
                log.LogWarning("Dispatch failed, retrying in {Delay}: {Reason}", Poll, e.Message);
                await Task.Delay(Poll, clock, stoppingToken);
            }
        }
    }

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        var workers = pool.Value.Count;
        foreach (var queue in scheduler.Value.Served)
        {
            // Running drainers take new units themselves; only Hangfire workers with no drainer need a job, unless one is on its way.
            var want = workers - drainer.Running - drainer.Starting;
            if (want <= 0) return;
            var ready = await store.ReadyUnitsAsync(queue, want, cancellationToken);
            if (ready.Count == 0) continue;
            var specs = await store.SpecsAsync(ready.Select(u => u.JobId).ToHashSet(), cancellationToken);
            foreach (var unit in ready)
            {
                if (!specs.TryGetValue(unit.JobId, out var spec)) continue;
                drainer.Enqueued();
                hangfire.Create(new Job(typeof(DispatchJob), Run, unit.JobId, unit.Unit, DispatchJob.Label(spec, unit.Unit), CancellationToken.None),
                    new EnqueuedState(queue));
            }
        }
    }
}
