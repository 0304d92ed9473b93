using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobService.Api.Health;

public static class HealthExtensions
{
    /// <summary>The tag of the checks readiness depends on.</summary>
    private const string Ready = "ready";

    /// <summary>ASP.NET Core health checks: the workers and the storage, both part of readiness.</summary>
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<WorkersHealthCheck>(WorkersHealthCheck.Name, tags: [Ready])
            .AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, tags: [Ready]);
        builder.Services.ConfigureSwaggerGen(swagger => swagger.DocumentFilter<HealthDocs>());
        return builder;
    }

    /// <summary>
    /// Every health endpoint, in one group: whatever guards the API (keys, rate limits) exempts this group, so a
    /// probe never needs credentials.
    /// </summary>
    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var health = routes.MapGroup("/health");
        // Liveness runs no check: a node whose workers or storage are down is alive, and restarting it would not help.
        health.MapHealthChecks("/live", Options(_ => false));
        health.MapHealthChecks("/ready", Options(check => check.Tags.Contains(Ready)));
        health.MapHealthChecks("", Options(_ => true));
        return health;
    }

    /// <summary>Degraded still answers 200: one worker being replaced must not take the node out of its load balancer.</summary>
    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = HealthWriter.WriteAsync,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };
}
