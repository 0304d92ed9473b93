using System.Diagnostics.Metrics;
using JobService.Api.Storage;

namespace JobService.Api.Telemetry;

/// <summary>
/// The service's own instruments (DESIGN.md, "Telemetry"), exported at <c>/metrics</c> as
/// <c>jobservice_items_total</c>, <c>jobservice_item_duration_seconds</c>, <c>jobservice_retries_total</c>,
/// <c>jobservice_worker_exits_total</c>, <c>jobservice_workers</c> and <c>jobservice_queue_items</c>.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = "JobService";
    private const int MaxCountedFunctions = 64;

    private readonly Meter _meter;
    private readonly Counter<long> _items;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _workerExits;
    private long _pending;

    public JobMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _items = _meter.CreateCounter<long>("jobservice.items", "{item}", "Items that reached a terminal state, by function and state");
        _duration = _meter.CreateHistogram("jobservice.item.duration", "s", "How long items ran in their worker, by function",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120, 600] });
        _retries = _meter.CreateCounter<long>("jobservice.retries", "{item}", "Items run again after their worker crashed or timed out");
        _workerExits = _meter.CreateCounter<long>("jobservice.worker.exits", "{worker}", "Worker processes replaced, by cause");
        _meter.CreateObservableGauge("jobservice.queue.items", () => Volatile.Read(ref _pending), "{item}",
            "Items waiting for a worker (sampled every few seconds)");
    }

    /// <summary><paramref name="count"/> items of <paramref name="function"/> ended in <paramref name="state"/>.</summary>
    public void ItemsEnded(string function, FutureState state, long count = 1)
    {
        if (count > 0) _items.Add(count, new("function", function), new("state", StateName(state)));
    }

    /// <summary>A batch of outcomes about to be recorded: counted per function and state in one pass; returns the totals.</summary>
    public (int Finished, int Failed) Recorded(UnitClaim claim, ReadOnlySpan<ItemOutcome> outcomes)
    {
        var functions = claim.Job.Functions;
        var (finishedTotal, failedTotal) = (0, 0);
        if (functions.Count > MaxCountedFunctions)
        {
            // Many functions in one submit: rare enough to count item by item.
            foreach (var outcome in outcomes)
            {
                if (outcome.Kind is not (OutcomeKind.Finished or OutcomeKind.Failed)) continue;
                var ok = outcome.Kind == OutcomeKind.Finished;
                ItemsEnded(functions[claim.Items.FunctionSlot(outcome.Index)], ok ? FutureState.Finished : FutureState.Failed);
                if (ok) finishedTotal++; else failedTotal++;
            }
            return (finishedTotal, failedTotal);
        }
        Span<long> finished = stackalloc long[functions.Count];
        Span<long> failed = stackalloc long[functions.Count];
        foreach (var outcome in outcomes)
        {
            var slot = claim.Items.FunctionSlot(outcome.Index);
            if (outcome.Kind == OutcomeKind.Finished) finished[slot]++;
            else if (outcome.Kind == OutcomeKind.Failed) failed[slot]++;
        }
        for (var slot = 0; slot < finished.Length; slot++)
        {
            ItemsEnded(functions[slot], FutureState.Finished, finished[slot]);
            ItemsEnded(functions[slot], FutureState.Failed, failed[slot]);
            (finishedTotal, failedTotal) = (finishedTotal + (int)finished[slot], failedTotal + (int)failed[slot]);
        }
        return (finishedTotal, failedTotal);
    }

    /// <summary>Futures of <paramref name="spec"/> cancelled by a client; a job of several functions is labelled "(several)".</summary>
    public void Cancelled(JobSpec spec, int count) =>
        ItemsEnded(spec.Functions.Count == 1 ? spec.Functions[0] : "(several)", FutureState.Cancelled, count);

    public void ItemRan(string function, int elapsedMicros) => _duration.Record(elapsedMicros / 1e6, new KeyValuePair<string, object?>("function", function));

    public void Retried() => _retries.Add(1);

    public void WorkerExited(string cause) => _workerExits.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void Pending(long items) => Volatile.Write(ref _pending, items);

    /// <summary>The pool's size, read when metrics are collected.</summary>
    public void WatchWorkers(Func<int> live, Func<int> target) =>
        _meter.CreateObservableGauge("jobservice.workers", () => new[]
        {
            new Measurement<int>(live(), new KeyValuePair<string, object?>("kind", "live")),
            new Measurement<int>(target(), new KeyValuePair<string, object?>("kind", "target")),
        }, "{worker}", "Worker processes up, and how many there should be");

    private static string StateName(FutureState state) => state switch
    {
        FutureState.Finished => "finished",
        FutureState.Failed => "failed",
        FutureState.Cancelled => "cancelled",
        FutureState.Running => "running",
        _ => "pending",
    };
}
