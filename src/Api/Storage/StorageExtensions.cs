using Hangfire;
using Hangfire.InMemory;
using JobService.Api.Storage.InMemory;
using JobService.Api.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace JobService.Api.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The storage named by <c>Storage:Provider</c>: the job store and Hangfire's storage together (InMemory, or
    /// both on PostgreSQL), the limits on jobs, and the expiry of old jobs.
    /// </summary>
    public static IHostApplicationBuilder AddJobStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => !o.IsPostgreSql || !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Postgres")),
                "Storage:Provider is PostgreSql but ConnectionStrings:Postgres is empty: set it to an Npgsql connection string, " +
                "e.g. Host=127.0.0.1;Port=5432;Username=jobservice;Password=…;Database=jobservice")
            .ValidateOnStart();
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CancelSignals>();
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.IsPostgreSql && builder.Configuration.GetConnectionString("Postgres") is { Length: > 0 } connectionString)
            builder.Services.AddPostgresStorage(connectionString);
        else
        {
            builder.Services.AddSingleton<IJobStore, InMemoryJobStore>();
            builder.Services.AddSingleton<JobStorage>(sp => new InMemoryStorage(new InMemoryStorageOptions
            {
                MaxExpirationTime = sp.GetRequiredService<IOptions<JobsOptions>>().Value.Retention,
            }));
        }
        builder.Services.AddHostedService<JobExpiry>();
        return builder;
    }
}
