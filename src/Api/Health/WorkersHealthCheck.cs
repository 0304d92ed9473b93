using JobService.Api.Pool;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobService.Api.Health;

/// <summary>
/// Workers: one live worker is enough to run work, so a worker being replaced (any client can crash one) makes the
/// node Degraded, never Unhealthy; only a node with no worker at all is not ready.
/// </summary>
internal sealed class WorkersHealthCheck(WorkerPool pool) : IHealthCheck
{
    public const string Name = "workers";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (live, target) = (pool.Live, pool.Target);
        var data = new Dictionary<string, object> { ["live"] = live, ["target"] = target };
        var failure = pool.LastFailure is { } last ? $"; workers cannot start: {last}" : "";
        var result = live == 0 ? HealthCheckResult.Unhealthy($"no worker is up (0 of {target}){failure}", data: data)
            : live < target || failure.Length > 0 ? HealthCheckResult.Degraded($"{live} of {target} workers are up{failure}", data: data)
            : HealthCheckResult.Healthy($"{live} of {target} workers are up", data);
        return Task.FromResult(result);
    }
}
