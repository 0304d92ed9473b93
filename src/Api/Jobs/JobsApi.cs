using JobService.Api.Http;
using JobService.Api.Security;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace JobService.Api.Jobs;

internal static class JobsApi
{
    public static IHostApplicationBuilder AddJobIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobIntake>();
        return builder;
    }

    public static RouteGroupBuilder MapJobs(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/jobs").WithTags("Jobs");

        group.MapPost("/", async Task<Results<Accepted<JobAccepted>, ValidationProblem, ProblemHttpResult>> (
            HttpRequest request, JobIntake intake, CancellationToken cancellationToken) =>
            await intake.AcceptAsync(request, cancellationToken) switch
            {
                IntakeOutcome.Accepted(var spec) => TypedResults.Accepted($"/jobs/{spec.Id}", JobAccepted.From(spec)),
                IntakeOutcome.Invalid(var errors) => Problems.Invalid(errors),
                IntakeOutcome.Rejected(var status, var title, var detail) => Problems.Status(status, title, detail),
                _ => throw new InvalidOperationException("unknown intake outcome"),
            })
            .Accepts<JobRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("CreateJob")
            .WithSummary("Start a map or submit job")
            .WithDescription("A map calls one function over many items (split into chunks); a submit makes one call or many. " +
                "Answers 202 with the job ID and one future ID per item ({jobId}.{index}).");

        group.MapGet("/{jobId}", async Task<Results<Ok<JobView>, ValidationProblem, ProblemHttpResult>> (
            string jobId, HttpContext context, IJobStore store, CancellationToken cancellationToken) =>
        {
            if (!FutureId.IsJobId(jobId)) return Problems.InvalidJobId();
            var job = await store.GetJobAsync(jobId, cancellationToken);
            return job is null || !Caller.Of(context).Sees(job.Spec) ? Problems.NotFound(Problems.UnknownJob(jobId)) : TypedResults.Ok(JobView.From(job));
        })
            .WithName("GetJob")
            .WithSummary("A job's state, counts per future state, progress and timings")
            .WithDescription("The job's type, functions, chunking (chunksize, chunks, units), options, counts of its futures in each " +
                "state, and when it was created, started and completed.");

        group.MapGet("/{jobId}/results", async Task<Results<ResultsStream, ValidationProblem, ProblemHttpResult>> (
            string jobId, string? order, string? offset, string? limit, string? wait, string? shape,
            HttpContext context, IJobStore store, IOptions<JobsOptions> options, CancellationToken cancellationToken) =>
        {
            if (!FutureId.IsJobId(jobId)) return Problems.InvalidJobId();
            var askedShape = context.Request.Headers.Accept.ToString().Contains(ResultsStream.NdjsonType) ? ResultShape.Ndjson : ResultShape.Full;
            if (!QueryValues.TryParseEnum(order, "order", ResultOrder.Submitted, out var resultOrder, out var problem)
                || !QueryValues.TryParseCount(offset, "offset", 0, int.MaxValue, 0, out var from, out problem)
                || !QueryValues.TryParseCount(limit, "limit", 1, int.MaxValue, int.MaxValue, out var count, out problem)
                || !QueryValues.TryParseSeconds(wait, "wait", options.Value.MaxWaitSeconds, out var waitFor, out problem)
                || !QueryValues.TryParseEnum(shape, "shape", askedShape, out var resultShape, out problem))
                return Problems.Invalid("query", problem);
            if (resultShape == ResultShape.Compact && resultOrder == ResultOrder.Completed)
                return Problems.Invalid("shape", "the compact shape lists values in item order: use order=submitted, or shape=ndjson in completion order");
            var job = await store.GetJobAsync(jobId, cancellationToken);
            if (job is null || !Caller.Of(context).Sees(job.Spec)) return Problems.NotFound(Problems.UnknownJob(jobId));
            var deadline = DateTimeOffset.UtcNow + waitFor;
            return new ResultsStream(jobId, resultOrder, from, resultShape, store.ReadResultsAsync(jobId, resultOrder, from, count, deadline, cancellationToken));
        })
            .WithName("GetJobResults")
            .WithSummary("Results in item order (map) or completion order (as_completed), streamed")
            .WithDescription("order=submitted lists items offset..offset+limit, waiting up to `wait` seconds for each to end; " +
                "order=completed lists futures as they reached a terminal state, waiting up to `wait` seconds for more. " +
                "shape=full (default) gives {index, state, result|error} per item; shape=compact (item order only) gives the bare values " +
                "in one array (null for an item without one) with the failed, cancelled and unfinished items listed beside it; " +
                "shape=ndjson, or Accept: application/x-ndjson, one {index, state, result|error} per line.");

        group.MapGet("/{jobId}/events", EventsAsync)
            .Produces(StatusCodes.Status200OK, contentType: EventStream.ContentType)
            .WithName("GetJobEvents")
            .WithSummary("Server-Sent Events: one event per future as it ends (as_completed, pushed), then an end event")
            .WithDescription("`event: future` per future in completion order, `data` {futureId, index, state, result|error}, `id` its " +
                "position in that order (1 for the first future to end); then `event: end` with the job as GET /jobs/{jobId} gives it, " +
                "and the stream closes. Resume after a dropped connection with the header `Last-Event-ID: n` (or the query " +
                "`lastEventId=n` for clients that cannot set headers): the futures after the n-th, none twice, none missed. " +
                "`: ping` comments keep a quiet stream open.");

        group.MapDelete("/{jobId}", async Task<Results<Ok<JobCancelled>, ValidationProblem, ProblemHttpResult>> (
            string jobId, string? force, HttpContext context, IJobStore store, JobLifecycle lifecycle, CancellationToken cancellationToken) =>
        {
            if (!FutureId.IsJobId(jobId)) return Problems.InvalidJobId();
            if (!QueryValues.TryParseFlag(force, "force", out var forced, out var problem)) return Problems.Invalid("force", problem);
            if (!await Caller.Of(context).SeesAsync(store, jobId, cancellationToken)) return Problems.NotFound(Problems.UnknownJob(jobId));
            var outcome = await store.CancelJobAsync(jobId, forced, cancellationToken);
            if (outcome is null) return Problems.NotFound(Problems.UnknownJob(jobId));
            lifecycle.Cancelled(outcome.Job.Spec, outcome.Cancelled);
            return TypedResults.Ok(new JobCancelled(jobId, outcome.Cancelled, outcome.Job.State, outcome.Job.Counts));
        })
            .WithName("CancelJob")
            .WithSummary("Cancel every pending future of a job; with force=true, the running ones too (their workers are killed)")
            .WithDescription("Futures already done keep their results. Answers how many futures this call cancelled and the job's counts.");

        group.MapGet("/", async Task<Results<Ok<JobList>, ValidationProblem>> (
            string? state, string? limit, HttpContext context, IJobStore store, CancellationToken cancellationToken) =>
        {
            JobState? filter = null;
            if (state is not null)
            {
                if (!QueryValues.TryParseEnum(state, "state", JobState.Pending, out var parsed, out var stateProblem))
                    return Problems.Invalid("state", stateProblem);
                filter = parsed;
            }
            if (!QueryValues.TryParseCount(limit, "limit", 1, 1000, 20, out var count, out var problem)) return Problems.Invalid("limit", problem);
            var jobs = await store.ListJobsAsync(filter, Caller.Of(context).Listed, count, cancellationToken);
            return TypedResults.Ok(new JobList(jobs.Select(JobView.From).ToArray()));
        })
            .WithName("ListJobs")
            .WithSummary("Recent jobs of the caller's key (an admin's: every job), newest first, optionally of one state")
            .WithDescription("limit is 1 to 1000 (default 20). Without API keys configured, every job is listed.");

        return group;
    }

    private static async Task<Results<EventStream, ValidationProblem, ProblemHttpResult>> EventsAsync(
        string jobId, string? lastEventId, HttpContext context, IJobStore store, IOptions<JobsOptions> options,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        if (!FutureId.IsJobId(jobId)) return Problems.InvalidJobId();
        // The header wins: a browser's EventSource sends it on every reconnect, whatever the URL it was opened with.
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        var (raw, name) = header.Length > 0 ? (header, "Last-Event-ID") : (lastEventId, "lastEventId");
        if (!QueryValues.TryParseCount(raw, name, 0, int.MaxValue, 0, out var from, out var problem)) return Problems.Invalid(name, problem);
        var job = await store.GetJobAsync(jobId, cancellationToken);
        if (job is null || !Caller.Of(context).Sees(job.Spec)) return Problems.NotFound(Problems.UnknownJob(jobId));
        if (from > job.Spec.Count) return Problems.Invalid(name, $"the job has {job.Spec.Count} futures: an event ID is 0 to {job.Spec.Count}");
        return new EventStream(jobId, job.Spec.Count, from, TimeSpan.FromSeconds(options.Value.EventKeepAliveSeconds), store, json.Value.SerializerOptions);
    }
}
