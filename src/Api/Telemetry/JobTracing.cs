using System.Diagnostics;
using JobService.Api.Storage;
using JobService.Workers.Protocol;

namespace JobService.Api.Telemetry;

/// <summary>
/// The spans of a job: each unit run is a child of the request that created the job (its trace context is stored
/// with the job, so this holds on any node and after a restart), each send to a worker a child of the unit, and
/// the items the worker ran children of the send. Workers carry no tracing SDK: an item's span is made here, from
/// the start time and duration the worker reports, so it shows when the item really ran in its process.
/// </summary>
public static class JobTracing
{
    public const string SourceName = "JobService";

    /// <summary>
    /// In a batched send (fast functions: a million echoes), only an item that ran at least this long, or failed, gets a
    /// span: one span per item would cost more than the items, and the send's span covers them. The span of an item this
    /// slow costs under a thousandth of its run. Every item of an isolated send (a slow function) gets one.
    /// </summary>
    public const int BatchedItemSpanFromMicros = 1000;

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

    /// <summary>What the chunks of a send tell their worker: the job, the send's trace context, which items must say when they started.</summary>
    public static ChunkContext ContextFor(Activity? send, string jobId, bool isolated) =>
        send is { Recorded: true, IdFormat: ActivityIdFormat.W3C, Id: { } traceParent }
            ? new ChunkContext(jobId, traceParent, isolated ? 0 : BatchedItemSpanFromMicros)
            : ChunkContext.None with { JobId = jobId };

    /// <summary>An item the worker ran, as a child of its send: <c>run {function}</c>, with the worker's own start time and duration.</summary>
    public static void RecordItem(Activity send, string function, FutureId future, int workerPid, long startedUnixMicros, int elapsedMicros, FutureError? error)
    {
        var started = DateTime.UnixEpoch.AddTicks(startedUnixMicros * 10);
        // At least a tick: a zero duration would make Stop() take the current time as the end.
        Record(send, function, future, workerPid, started, started.AddTicks(Math.Max(1, elapsedMicros * 10L)), error?.Type, error?.Message);
    }

    /// <summary>
    /// The item that was running when its worker died, timed out or was killed for a cancel: it never reported, so its span
    /// runs from the end of the previous item (or the send's start) to now, with the cause as its error.
    /// </summary>
    public static void RecordLostItem(Activity send, string function, FutureId future, int workerPid, DateTime started, string errorType, string message) =>
        Record(send, function, future, workerPid, started, DateTime.UtcNow, errorType, message);

    private static void Record(Activity send, string function, FutureId future, int workerPid, DateTime started, DateTime ended, string? errorType, string? message)
    {
        using var span = Source.StartActivity("run " + function, ActivityKind.Internal, send.Context, startTime: started);
        if (span is null) return;
        span.SetTag("jobservice.future_id", future.ToString());
        span.SetTag("jobservice.item", future.Index);
        span.SetTag("jobservice.worker_pid", workerPid);
        if (errorType is not null)
        {
            span.SetTag("error.type", errorType);
            span.SetStatus(ActivityStatusCode.Error, message);
        }
        span.SetEndTime(ended);
    }
}
