using JobService.Api.Storage;

namespace JobService.Api.Telemetry;

/// <summary>Samples the items waiting for a worker every few seconds: a scrape never waits on the store.</summary>
internal sealed class QueueSampler(IJobStore store, JobMetrics metrics, TimeProvider clock, ILogger<QueueSampler> log) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                metrics.Pending(await store.PendingItemsAsync(stoppingToken));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogDebug("Queue sample failed: {Reason}", e.Message);
            }
            try
            {
                await Task.Delay(Every, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
