using Hangfire;
using Hangfire.Dashboard;
using JobService.Api.Pool;
using JobService.Api.Security;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Scheduling;

public static class SchedulerExtensions
{
    /// <summary>Hangfire (on the storage of <c>Storage:Provider</c>) with one Hangfire worker per worker process, the dispatcher and the unit runner.</summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FunctionTimings>();
        builder.Services.AddSingleton<UnitRunner>();
        builder.Services.AddSingleton<Drainer>();
        builder.Services.AddSingleton<IdleDrainers>();
        builder.Services.AddTransient<DispatchJob>();
        builder.Services.AddHostedService<Dispatcher>();
        // Dispatch units run no culture-sensitive code: capturing the caller's culture into every job is pure cost.
        foreach (var culture in GlobalJobFilters.Filters.Where(f => f.Instance is CaptureCultureAttribute).ToArray())
            GlobalJobFilters.Filters.Remove(culture.Instance);
        builder.Services.AddHangfire((sp, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>())
            // Hangfire's own record of a unit is not the result (the job store has that): keep it no longer than the job.
            .WithJobExpirationTimeout(sp.GetRequiredService<IOptions<JobsOptions>>().Value.Retention));
        builder.Services.AddHangfireServer((sp, server) =>
        {
            // A Hangfire worker holds a worker process for the whole unit: one each, so neither waits on the other.
            server.WorkerCount = sp.GetRequiredService<IOptions<WorkerPoolOptions>>().Value.Count;
            server.Queues = sp.GetRequiredService<IOptions<SchedulerOptions>>().Value.Served;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            server.ShutdownTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }

    /// <summary>
    /// The Hangfire dashboard, read-only: it shows the queue, while cancelling is the API's (a deleted or requeued
    /// dispatch job would change nothing the store does not already decide). See <see cref="DashboardAccess"/> for who may open it.
    /// </summary>
    public static IApplicationBuilder MapDashboard(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(DashboardAccess.Path),
            branch => branch.Use(DashboardAccess.ChallengeAsync));
        return app.UseHangfireDashboard(DashboardAccess.Path, new DashboardOptions
        {
            Authorization = [new DashboardAccess(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled)],
            IsReadOnlyFunc = _ => true,
            DashboardTitle = "JobService queue",
            DisplayStorageConnectionString = false,
        });
    }
}
