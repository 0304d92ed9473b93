using System.Diagnostics;
using JobService.Api.Storage;

namespace JobService.Api.Telemetry;

/// <summary>
/// The spans of a job: each unit run is a child of the request that created the job (its trace context is stored
/// with the job, so this holds on any node and after a restart), and each send to a worker a child of the unit.
/// </summary>
public static class JobTracing
{
    public const string SourceName = "JobService";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartUnit(UnitClaim claim)
    {
        var spec = claim.Job;
        ActivityContext.TryParse(spec.TraceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity("run unit", ActivityKind.Internal, parent);
        activity?.SetTag("jobservice.job_id", spec.Id);
        activity?.SetTag("jobservice.unit", claim.Unit);
        activity?.SetTag("jobservice.functions", string.Join(",", spec.Functions));
        activity?.SetTag("jobservice.items", claim.Pending.Count);
        return activity;
    }

    public static Activity? StartSend(int workerPid, int items)
    {
        var activity = Source.StartActivity("send to worker");
        activity?.SetTag("jobservice.worker_pid", workerPid);
        activity?.SetTag("jobservice.items", items);
        return activity;
    }
}
