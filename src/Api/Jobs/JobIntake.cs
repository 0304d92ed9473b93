using System.Text.Json;
using JobService.Api.Http;
using JobService.Api.Pool;
using JobService.Api.Scheduling;
using JobService.Api.Security;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using JobService.Workers.Functions;
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
    RequestBody requestBody,
    IdleDrainers idle,
    JobLifecycle lifecycle,
    TimeProvider clock)
{
    /// <summary>Appended after the body so that a call without <c>args</c> has a slice to point at.</summary>
    private static readonly byte[] NoArgs = "[]"u8.ToArray();

    public async Task<IntakeOutcome> AcceptAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = (long)jobs.Value.MaxBodyMegabytes * 1024 * 1024;
        var body = await requestBody.ReadAsync(request, limit,
            $"a job body may be at most {jobs.Value.MaxBodyMegabytes} MB (Jobs:MaxBodyMegabytes); split the items over several jobs",
            NoArgs, cancellationToken);
        if (body.Problem is { } refused)
            return refused.Field is { } field
                ? new IntakeOutcome.Invalid(new Dictionary<string, string[]> { [field] = [refused.Detail] })
                : new IntakeOutcome.Rejected(refused.Status, refused.Title, refused.Detail);
        var (buffer, length) = (body.Buffer, body.Length);

        var problems = new ProblemList();
        ParsedJob parsed;
        try
        {
            parsed = JobRequestReader.Read(buffer.AsSpan(0, length), problems);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string escape that is no text ("\ud800", a lone surrogate); the reader's message says which.
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
        var owned = spec with { Spec = spec.Spec with { Owner = Caller.Of(request.HttpContext).Key, TraceParent = System.Diagnostics.Activity.Current?.Id } };
        // Once stored, the job is committed: the dispatcher hands its units to Hangfire from the store. Those this node's
        // idle drainers can start now are leased to it in the same commit and start while it is under way.
        using (var hands = idle.Reserve(owned.Spec.Plan.Units))
        {
            var added = store.Add(owned, hands.Count);
            hands.Give(added.Claims);
            await added.Committed.WaitAsync(cancellationToken);
        }
        lifecycle.Accepted(owned.Spec);
        return new IntakeOutcome.Accepted(owned.Spec);
    }
}
