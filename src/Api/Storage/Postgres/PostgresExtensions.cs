using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobService.Api.Storage.Postgres;

internal static class PostgresExtensions
{
    /// <summary>The job store, its notifications and Hangfire's storage, all on the database of <c>ConnectionStrings:Postgres</c>.</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => new PostgresDataSources(connectionString));
        services.AddSingleton(sp => sp.GetRequiredService<PostgresDataSources>().Relaxed);
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton(sp => new NoticePacer(
            notices => PostgresListener.NotifyAsync(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<NodeIdentity>(), notices),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IJobStore>(sp =>
        {
            // The schema exists before the store is used: the first resolution, on any thread, creates or upgrades it.
            sp.GetRequiredService<JobStorage>();
            return ActivatorUtilities.CreateInstance<PostgresJobStore>(sp);
        });
        services.AddHostedService<PostgresListener>();
        services.AddSingleton<JobStorage>(sp => CreateHangfireStorage(sp, connectionString));
        return services;
    }

    /// <summary>
    /// Hangfire.PostgreSql, on the same database. Both schemas are created under one advisory lock, so nodes
    /// that start together take turns instead of racing on CREATE statements.
    /// </summary>
    private static JobStorage CreateHangfireStorage(IServiceProvider services, string connectionString)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            // Enqueues wake a fetching worker at once (LISTEN/NOTIFY). Only one, though: the wake-up is an AutoResetEvent,
            // so of two jobs enqueued together the second waits for the poll. Drainers that are already running take new
            // units without Hangfire, so this poll only bounds how soon an idle node joins in.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(500),
            // A dispatch job fetched by a node that died goes back to its queue after this; its units were taken over
            // long before (their leases run out in Storage:Lease), so this only tidies the dashboard.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
            JobExpirationCheckInterval = TimeSpan.FromMinutes(5),
        };
        using var connection = services.GetRequiredService<PostgresDataSources>().Durable.OpenConnection();
        PostgreSqlStorage? created = null;
        PostgresSchema.Ensure(connection, storage.Schema,
            () => created = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options));
        return created!;
    }
}
