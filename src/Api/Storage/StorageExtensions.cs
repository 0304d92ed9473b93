namespace JobService.Api.Storage;

public static class StorageExtensions
{
    /// <summary>The job store named by <c>Storage:Provider</c>, its limits, and the expiry of old jobs.</summary>
    public static IHostApplicationBuilder AddJobStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IJobStore, InMemoryJobStore>();
        builder.Services.AddHostedService<JobExpiry>();
        return builder;
    }
}
