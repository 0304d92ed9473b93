using System.Text.Json;
using JobService.Api.Pool;
using JobService.Api.Scheduling;
using JobService.Api.Security;
using JobService.Api.Storage;
using JobService.Workers.Functions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace JobService.Api.Jobs;

/// <summary>The outcome of <c>POST /jobs</c> before it becomes HTTP.</summary>
internal abstract record IntakeOutcome
{
    public sealed record Accepted(JobSpec Spec) : IntakeOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : IntakeOutcome;
    public sealed record Rejected(int Status, string Title, string Detail) : IntakeOutcome;
}

/// <summary>Reads, checks, stores and schedules a new job.</summary>
internal sealed class JobIntake(
    FunctionCatalog catalog,
    IJobStore store,
    IOptions<JobsOptions> jobs,
    IOptions<SchedulerOptions> queues,
    IOptions<WorkerPoolOptions> pool,
    TimeProvider clock)
{
    /// <summary>Appended after the body so that a call without <c>args</c> has a slice to point at.</summary>
    private static readonly byte[] NoArgs = "[]"u8.ToArray();

    public async Task<IntakeOutcome> AcceptAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = (long)jobs.Value.MaxBodyMegabytes * 1024 * 1024;
        var body = await RequestBody.ReadAsync(request, limit, NoArgs, cancellationToken);
        if (body is null)
            return new IntakeOutcome.Rejected(StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"a job body may be at most {jobs.Value.MaxBodyMegabytes} MB (Jobs:MaxBodyMegabytes); split the items over several jobs");
        var (buffer, length) = body.Value;

        var problems = new ProblemList();
        ParsedJob parsed;
        try
        {
            parsed = JobRequestReader.Read(buffer.AsSpan(0, length), problems);
        }
        catch (JsonException e)
        {
            return new IntakeOutcome.Rejected(StatusCodes.Status400BadRequest, "The body is not valid JSON", e.Message);
        }
        var spec = new JobBuilder(catalog, jobs.Value, queues.Value, pool.Value.Count, problems)
            .Build(parsed, buffer, length, FutureId.NewJobId(), clock.GetUtcNow());
        if (spec is null && problems.Any) return new IntakeOutcome.Invalid(problems.ToDictionary());
        if (spec is null)
            return new IntakeOutcome.Rejected(StatusCodes.Status413PayloadTooLarge, "Too many items",
                $"a job may hold at most {jobs.Value.MaxItems} items or calls (Jobs:MaxItems); split it over several jobs");

        if (ChunkLimit.Check(spec, jobs.Value.MaxChunkMegabytes * 1024L * 1024) is { } tooLarge)
            return new IntakeOutcome.Rejected(StatusCodes.Status413PayloadTooLarge, "Chunk too large", tooLarge);

        // The job belongs to the caller's key: other keys will not see it.
        var owned = spec with { Spec = spec.Spec with { Owner = Caller.Of(request.HttpContext).Key } };
        // Once stored, the job is committed: the dispatcher hands its units to Hangfire from the store.
        await store.AddAsync(owned, cancellationToken);
        return new IntakeOutcome.Accepted(owned.Spec);
    }
}

/// <summary>Reads a request body into one array, refusing more than a limit before it is all in memory.</summary>
internal static class RequestBody
{
    public static async Task<(byte[] Buffer, int Length)?> ReadAsync(HttpRequest request, long limit, byte[] suffix, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        // Our own limit replaces Kestrel's 30 MB default, which is far below a large map.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
        var buffer = new byte[(request.ContentLength ?? 16 * 1024) + suffix.Length];
        var length = 0;
        while (true)
        {
            if (buffer.Length - length < suffix.Length + 1)
            {
                if (length >= limit) return null;
                Array.Resize(ref buffer, (int)Math.Min(limit + suffix.Length + 1, buffer.Length * 2L));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length, buffer.Length - length - suffix.Length), cancellationToken);
            if (read == 0) break;
            length += read;
            if (length > limit) return null;
        }
        suffix.CopyTo(buffer, length);
        return (buffer, length);
    }
}
