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
        routes.MapGet("/health", async Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> (
            WorkerPool pool, IJobStore store, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
        {
            var storageProblem = await CheckStorageAsync(store, cancellationToken);
            var ready = pool.IsReady && storageProblem is null;
            var reason = storageProblem is not null ? $"storage unreachable: {storageProblem}"
                : ready ? null
                : pool.LastFailure is { } failure ? $"workers cannot start: {failure}"
                : $"{pool.Live} of {pool.Target} workers are up";
            var view = new HealthView(ready ? "ready" : "unready", new WorkersHealth(pool.Live, pool.Target),
                new StorageHealth(storage.Value.Provider, Reachable: storageProblem is null), reason);
            return ready ? TypedResults.Ok(view) : TypedResults.Json(view, statusCode: StatusCodes.Status503ServiceUnavailable);
        })
            .WithTags("Health")
            .Produces<HealthView>(StatusCodes.Status503ServiceUnavailable)
            .WithName("Health")
            .WithSummary("Liveness and readiness: 200 when every worker is up and storage answers, 503 with the reason otherwise");

    private static async Task<string?> CheckStorageAsync(IJobStore store, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await store.CheckAsync(timeout.Token);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The first line only: the rest is for the log, not for whoever probes health.
            return e.Message.Split('\n')[0];
        }
    }
}
