using Microsoft.Extensions.Options;

namespace JobService.Api.Storage;

/// <summary>
/// Forgets completed jobs after <c>Jobs:Retention</c>, so memory returns once results have been read. With PostgreSQL
/// every node runs it; a delete is idempotent, so nodes that overlap only find less to do.
/// </summary>
internal sealed class JobExpiry(
    IJobStore store, IOptions<JobsOptions> options, IOptions<StorageOptions> storage, TimeProvider clock, ILogger<JobExpiry> log) : BackgroundService
{
    private const long LargeExpiry = 100_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        var period = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var expired = await store.ExpireAsync(clock.GetUtcNow() - retention, stoppingToken);
            if (expired.Jobs == 0) continue;
            log.LogInformation("Expired {Count} jobs ({Items} items) completed more than {Retention} ago", expired.Jobs, expired.Items, retention);
            // An idle node may not collect for a long time: after a big job leaves its memory, give that back to the OS now.
            if (expired.Items >= LargeExpiry && !storage.Value.IsPostgreSql) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }
}
