using JobService.Api.Http;
using JobService.Api.Security;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace JobService.Api.Futures;

internal static class FuturesApi
{
    private const int MaxWaitedFutures = 100_000;

    /// <summary>100,000 IDs of about 30 characters, with room for whitespace.</summary>
    private const int MaxWaitBodyMegabytes = 8;

    public static RouteGroupBuilder MapFutures(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/futures").WithTags("Futures");

        group.MapGet("/{id}", async Task<Results<Ok<FutureView>, ValidationProblem, ProblemHttpResult>> (
            string id, string? wait, HttpContext context, IJobStore store, IOptions<JobsOptions> options, CancellationToken cancellationToken) =>
        {
            if (!FutureId.TryParse(id, out var futureId)) return Problems.Invalid("id", FutureId.FormatHint);
            if (!QueryValues.TryParseSeconds(wait, "wait", options.Value.MaxWaitSeconds, out var waitFor, out var problem))
                return Problems.Invalid("wait", problem);
            if (!await Caller.Of(context).SeesAsync(store, futureId.JobId, cancellationToken)) return Problems.NotFound(UnknownFuture(id));
            var future = await store.GetFutureAsync(futureId, waitFor, cancellationToken);
            return future is null ? Problems.NotFound(UnknownFuture(Echo.Of(id))) : TypedResults.Ok(FutureView.From(future));
        })
            .WithName("GetFuture")
            .WithSummary("A future's state and result or error; wait=S long-polls up to S seconds for it to end (Future.result(timeout))")
            .WithDescription("A future ID is {jobId}.{index}. Without wait the answer is immediate; with wait it comes as soon as the " +
                "future is finished, failed or cancelled, or after wait seconds with the state it is in then.");

        group.MapDelete("/{id}", async Task<Results<Ok<FutureCancelled>, ValidationProblem, ProblemHttpResult>> (
            string id, string? force, HttpContext context, IJobStore store, JobLifecycle lifecycle, CancellationToken cancellationToken) =>
        {
            if (!FutureId.TryParse(id, out var futureId)) return Problems.Invalid("id", FutureId.FormatHint);
            if (!QueryValues.TryParseFlag(force, "force", out var forced, out var problem)) return Problems.Invalid("force", problem);
            // One read of the job answers both who may cancel it and what the cancel is counted as.
            if (!(await store.SpecsAsync([futureId.JobId], cancellationToken)).TryGetValue(futureId.JobId, out var spec) || !Caller.Of(context).Sees(spec))
                return Problems.NotFound(UnknownFuture(id));
            var outcome = await store.CancelFutureAsync(futureId, forced, cancellationToken);
            if (outcome is null) return Problems.NotFound(UnknownFuture(Echo.Of(id)));
            if (outcome.Result == CancelResult.Cancelled) lifecycle.Cancelled(spec, 1);
            return outcome.Result switch
            {
                CancelResult.Cancelled or CancelResult.AlreadyCancelled => TypedResults.Ok(new FutureCancelled(id, true, outcome.State)),
                CancelResult.Running => Refused(id, outcome.State,
                    $"future {id} is running: like Future.cancel() in Python it is not cancelled. Pass force=true to kill the worker running it."),
                _ => Refused(id, outcome.State, $"future {id} is already {outcome.State.ToString().ToLowerInvariant()}: a done future cannot be cancelled."),
            };
        })
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("CancelFuture")
            .WithSummary("Cancel a pending future; a running or done one answers 409 unless force=true kills its worker")
            .WithDescription("As Future.cancel() in Python: a pending future becomes cancelled (200). A running one is not cancelled " +
                "(409) unless force=true, which kills the worker running it; a done one is never changed (409).");

        group.MapPost("/wait", async Task<Results<Ok<WaitResponse>, ValidationProblem, ProblemHttpResult>> (
            HttpRequest request, IJobStore store, IOptions<JobsOptions> options, CancellationToken cancellationToken) =>
        {
            var (body, bodyProblem) = await JsonBody.ReadAsync<WaitRequest>(request, MaxWaitBodyMegabytes, cancellationToken);
            if (bodyProblem is { Field: { } field }) return Problems.Invalid(field, bodyProblem.Detail);
            if (body is null) return Problems.Status(bodyProblem!.Status, bodyProblem.Title, bodyProblem.Detail);
            var max = options.Value.MaxWaitSeconds;
            if (body.FutureIds is not { Length: > 0 and <= MaxWaitedFutures })
                return Problems.Invalid("futureIds", $"futureIds must list 1 to {MaxWaitedFutures} future IDs");
            if (body.TimeoutSeconds is { } t && (t < 0 || t > max || double.IsNaN(t)))
                return Problems.Invalid("timeoutSeconds", $"timeoutSeconds must be from 0 to {max} (Jobs:MaxWaitSeconds), or null for {max}");
            var ids = new List<FutureId>(body.FutureIds.Length);
            var malformed = new List<string>();
            foreach (var raw in body.FutureIds)
                if (FutureId.TryParse(raw, out var parsed)) ids.Add(parsed); else malformed.Add(Echo.Of(raw));
            if (malformed.Count > 0) return Problems.Invalid("futureIds", $"{FutureId.FormatHint}; not one: {string.Join(", ", malformed.Take(10))}");
            var caller = Caller.Of(request.HttpContext);
            var specs = await store.SpecsAsync(ids.Select(i => i.JobId).ToHashSet(), cancellationToken);
            var unknown = ids.Where(i => !specs.TryGetValue(i.JobId, out var spec) || i.Index >= spec.Count || !caller.Sees(spec))
                .Select(i => i.ToString()).ToList();
            if (unknown.Count > 0) return Problems.NotFound($"no such futures (unknown or expired): {string.Join(", ", unknown.Take(10))}");
            var outcome = await store.WaitAsync(ids, body.ReturnWhen ?? ReturnWhen.AllCompleted, TimeSpan.FromSeconds(body.TimeoutSeconds ?? max), cancellationToken);
            return TypedResults.Ok(new WaitResponse(outcome.Done.Select(i => i.ToString()).ToArray(), outcome.NotDone.Select(i => i.ToString()).ToArray()));
        })
            .Accepts<WaitRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("WaitFutures")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("concurrent.futures.wait: return when the first completes, the first fails, or all complete")
            .WithDescription("Up to 100,000 future IDs of any jobs; returnWhen FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED " +
                "(default); timeoutSeconds up to Jobs:MaxWaitSeconds. Answers which futures are done and which are not.");

        return group;
    }

    private static ProblemHttpResult Refused(string id, FutureState state, string detail) =>
        Problems.Status(StatusCodes.Status409Conflict, "Cancel refused", detail,
            new Dictionary<string, object?> { ["id"] = id, ["cancelled"] = false, ["state"] = state.ToString().ToLowerInvariant() });

    private static string UnknownFuture(string id) =>
        $"no future '{id}': its job is unknown or expired (finished jobs are kept for Jobs:Retention), or the index is past its last item";
}
