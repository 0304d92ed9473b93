using JobService.Api.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace JobService.Api.Health;

/// <summary>Storage: the job store answers within a couple of seconds; without it the node can accept and run nothing.</summary>
internal sealed class StorageHealthCheck(IJobStore store, IOptions<StorageOptions> storage) : IHealthCheck
{
    public const string Name = "storage";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = storage.Value.Provider };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await store.CheckAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{storage.Value.Provider} answers", data);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The first line only: the rest is for the log, not for whoever probes health.
            return HealthCheckResult.Unhealthy($"storage unreachable: {e.Message.Split('\n')[0]}", data: data);
        }
    }
}
