namespace JobService.Api.Pool;

public static class PoolExtensions
{
    /// <summary>Worker processes: options, the launcher, and the pool that spawns them at start-up.</summary>
    public static IHostApplicationBuilder AddWorkerPool(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerPoolOptions>()
            .BindConfiguration(WorkerPoolOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<WorkerLauncher>();
        builder.Services.AddSingleton<WorkerPool>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerPool>());
        return builder;
    }
}
