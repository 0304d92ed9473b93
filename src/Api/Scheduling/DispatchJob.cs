using System.ComponentModel;
using Hangfire;
using JobService.Api.Storage;

namespace JobService.Api.Scheduling;

/// <summary>
/// The only thing Hangfire runs: "run unit N of job J, then whatever else is ready". Its arguments
/// stay a few bytes; the items, results and leases live in the job store.
/// </summary>
public sealed class DispatchJob(Drainer drainer)
{
    // Hangfire must not re-run a unit on its own: per-item retries are the runner's, and a re-run
    // after a node dies finds its finished items terminal and skips them.
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [DisplayName("{2} (job {0}, unit {1})")]
    public Task<string> RunAsync(string jobId, int unit, string label, CancellationToken cancellationToken) =>
        drainer.DrainAsync(new UnitKey(jobId, unit), cancellationToken);

    /// <summary>What the dashboard calls a dispatch job: its first unit's functions and items (it may drain more units after it).</summary>
    public static string Label(JobSpec spec, int unit)
    {
        var (first, count) = spec.Plan.UnitRange(unit, spec.Count);
        var items = count == 1 ? $"item {first}" : $"items {first}–{first + count - 1}";
        return $"{string.Join(", ", spec.Functions.Take(3))}{(spec.Functions.Count > 3 ? ", …" : "")} · {items} of {spec.Count}";
    }
}
