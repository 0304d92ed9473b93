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
    [DisplayName("job {0}, unit {1}")]
    public Task RunAsync(string jobId, int unit, CancellationToken cancellationToken) =>
        drainer.DrainAsync(new UnitKey(jobId, unit), cancellationToken);
}
