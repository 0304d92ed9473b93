using Microsoft.Extensions.Options;

namespace JobService.Api.Storage;

/// <summary>Forgets completed jobs after <c>Jobs:Retention</c>, so memory returns once results have been read.</summary>
internal sealed class JobExpiry(IJobStore store, IOptions<JobsOptions> options, TimeProvider clock, ILogger<JobExpiry> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        var period = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var expired = await store.ExpireAsync(clock.GetUtcNow() - retention, stoppingToken);
            if (expired > 0) log.LogInformation("Expired {Count} jobs completed more than {Retention} ago", expired, retention);
        }
    }
}
