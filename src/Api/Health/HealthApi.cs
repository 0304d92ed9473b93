using JobService.Api.Pool;
using JobService.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace JobService.Api.Health;

/// <summary><c>GET /health</c>: the node is alive; <c>ready</c> once its workers are up and its storage answers.</summary>
public sealed record HealthView(string Status, WorkersHealth Workers, StorageHealth Storage, string? Reason);

public sealed record WorkersHealth(int Live, int Target);

public sealed record StorageHealth(string Provider, bool Reachable);

internal static class HealthApi
{
    public static RouteHandlerBuilder MapHealth(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/health", Results<Ok<HealthView>, JsonHttpResult<HealthView>> (WorkerPool pool, IOptions<StorageOptions> storage) =>
        {
            var ready = pool.IsReady;
            var reason = ready ? null
                : pool.LastFailure is { } failure ? $"workers cannot start: {failure}"
                : $"{pool.Live} of {pool.Target} workers are up";
            var view = new HealthView(ready ? "ready" : "unready", new WorkersHealth(pool.Live, pool.Target),
                new StorageHealth(storage.Value.Provider, Reachable: true), reason);
            return ready ? TypedResults.Ok(view) : TypedResults.Json(view, statusCode: StatusCodes.Status503ServiceUnavailable);
        })
            .WithTags("Health")
            .Produces<HealthView>(StatusCodes.Status503ServiceUnavailable)
            .WithName("Health")
            .WithSummary("Liveness and readiness: 200 when every worker is up, 503 with the reason otherwise");
}
