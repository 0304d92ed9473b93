using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using JobService.Api.Storage;

namespace JobService.Api.Scheduling;

/// <summary>Turns a stored job into Hangfire background jobs, one per dispatch unit.</summary>
public sealed class JobScheduler(IBackgroundJobClient client)
{
    private static readonly MethodInfo Run = typeof(DispatchJob).GetMethod(nameof(DispatchJob.RunAsync))!;

    public void Schedule(JobSpec spec)
    {
        for (var unit = 0; unit < spec.Plan.Units; unit++)
            client.Create(new Job(typeof(DispatchJob), Run, spec.Id, unit, CancellationToken.None), new EnqueuedState(spec.Options.Queue));
    }
}
