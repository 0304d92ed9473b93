using Microsoft.Extensions.Options;
using JobService.Api.Security;
using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The job store on PostgreSQL, shared by every node: a row per job, a row per unit (arguments, a bit per
/// terminal item, counters, the lease), a row per batch of outcomes. Any node answers for any future; the
/// node that holds a unit's lease is the only one whose outcomes count, and the row lock of the unit
/// orders every change to its items, so each item reaches exactly one terminal state.
/// </summary>
internal sealed partial class PostgresJobStore(
    NpgsqlDataSource dataSource,
    PostgresDataSources sources,
    ChangeFeed feed,
    NoticePacer notices,
    CancelSignals cancels,
    NodeIdentity node,
    IOptions<StorageOptions> options,
    IOptions<AuthOptions> auth,
    TimeProvider clock) : IJobStore
{
    /// <summary>Notifications make waits wake at once; this is how long a missed one can delay a wait, at most.</summary>
    private static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(1);

    private readonly string _s = options.Value.Schema;
    private readonly TimeSpan _lease = options.Value.Lease;

    private const string SpecColumns =
        "j.id, j.type, j.functions, j.count, j.spread, j.chunksize, j.chunks, j.chunks_per_unit, j.timeout_seconds, j.retries, j.queue, j.created_at, j.owner, j.trace_parent";
    private const int SpecColumnCount = 14;

    public async ValueTask<JobSummary?> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SummarySql("WHERE j.id = $1", ""));
        command.Parameters.AddValues(jobId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSummary(reader) : null;
    }

    public async ValueTask<IReadOnlyDictionary<string, JobSpec>> SpecsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {SpecColumns} FROM {_s}.jobs j WHERE j.id = ANY($1)");
        command.Parameters.AddValues((object)jobIds.ToArray());
        var specs = new Dictionary<string, JobSpec>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var spec = ReadSpec(reader, 0);
            specs[spec.Id] = spec;
        }
        return specs;
    }

    public async ValueTask<IReadOnlyList<JobSummary>> ListJobsAsync(JobState? state, string? owner, int limit, CancellationToken cancellationToken)
    {
        // Completed and cancelled are stored flags; pending and running are counted, so those filters look further back.
        var filter = state switch
        {
            JobState.Completed => "WHERE j.completed_at IS NOT NULL AND NOT j.cancel_requested",
            JobState.Cancelled => "WHERE j.cancel_requested",
            null => "WHERE true",
            _ => "WHERE j.completed_at IS NULL AND NOT j.cancel_requested",
        };
        if (owner is not null) filter += " AND j.owner = $1";
        var found = new List<JobSummary>(limit);
        await using var command = dataSource.CreateCommand(SummarySql(filter, $"ORDER BY j.created_at DESC LIMIT {(state is JobState.Pending or JobState.Running ? limit * 20 : limit)}"));
        if (owner is not null) command.Parameters.AddValues(owner);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (found.Count < limit && await reader.ReadAsync(cancellationToken))
        {
            var summary = ReadSummary(reader);
            if (state is null || summary.State == state) found.Add(summary);
        }
        return found;
    }

    public async ValueTask<(int Jobs, long Items)> ExpireAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        // Any node may run this at any time: a job deleted by another node is simply not found again. Units go with their
        // job (a foreign key); results, which have none (see PostgresSchema, version 10), are deleted here.
        await using var command = dataSource.CreateCommand($"""
            WITH gone AS (DELETE FROM {_s}.jobs WHERE completed_at < $1 RETURNING id, count),
                results AS (DELETE FROM {_s}.results r USING gone g WHERE r.job_id = g.id)
            SELECT count(*)::int, coalesce(sum(count), 0)::bigint FROM gone
            """);
        command.Parameters.AddValues(completedBefore);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt64(1));
    }

    public async ValueTask<long> PendingItemsAsync(CancellationToken cancellationToken)
    {
        // The unfinished items of units no node holds: what a claimed unit still has to run counts as running.
        await using var command = dataSource.CreateCommand(
            $"SELECT coalesce(sum(u.count - u.finished - u.failed - u.cancelled), 0)::bigint FROM {_s}.units u WHERE {Claimable}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT 1 FROM {_s}.schema_version");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// A unit whose items are running: under a live lease, on a named worker. A unit leased by its job's intake has its
    /// worker named moments after that commit; until then its items read as pending.
    /// </summary>
    private const string RunningUnit = "u.owner IS NOT NULL AND u.lease_expires > now() AND u.worker_pid IS NOT NULL";

    /// <summary>Job headers with their counts summed over units; running = unfinished items of <see cref="RunningUnit"/> units.</summary>
    private string SummarySql(string where, string tail) => $"""
        SELECT {SpecColumns}, j.cancel_requested, j.completed_at,
               coalesce(sum(u.finished), 0)::int, coalesce(sum(u.failed), 0)::int, coalesce(sum(u.cancelled), 0)::int,
               coalesce(sum(u.count - u.finished - u.failed - u.cancelled) FILTER (WHERE {RunningUnit}), 0)::int,
               min(u.started_at)
        FROM {_s}.jobs j LEFT JOIN {_s}.units u ON u.job_id = j.id
        {where}
        GROUP BY j.id
        {tail}
        """;

    private static JobSummary ReadSummary(NpgsqlDataReader reader)
    {
        var spec = ReadSpec(reader, 0);
        var c = SpecColumnCount;
        var cancelRequested = reader.GetBoolean(c);
        DateTimeOffset? completedAt = reader.IsDBNull(c + 1) ? null : reader.GetFieldValue<DateTimeOffset>(c + 1);
        var (finished, failed, cancelled, running) = (reader.GetInt32(c + 2), reader.GetInt32(c + 3), reader.GetInt32(c + 4), reader.GetInt32(c + 5));
        DateTimeOffset? startedAt = reader.IsDBNull(c + 6) ? null : reader.GetFieldValue<DateTimeOffset>(c + 6);
        var pending = spec.Count - finished - failed - cancelled - running;
        var state = cancelRequested ? JobState.Cancelled
            : completedAt is not null ? JobState.Completed
            : pending == spec.Count ? JobState.Pending
            : JobState.Running;
        return new JobSummary(spec, state, new StateCounts(pending, running, finished, failed, cancelled), startedAt, completedAt);
    }

    private static JobSpec ReadSpec(NpgsqlDataReader reader, int at) => new(
        reader.GetString(at),
        (JobType)reader.GetInt16(at + 1),
        reader.GetFieldValue<string[]>(at + 2),
        reader.GetInt32(at + 3),
        reader.GetBoolean(at + 4),
        new JobPlan(reader.GetInt32(at + 5), reader.GetInt32(at + 6), reader.GetInt32(at + 7)),
        new JobOptions(reader.IsDBNull(at + 8) ? null : reader.GetDouble(at + 8), reader.GetInt32(at + 9), reader.GetString(at + 10)),
        reader.GetFieldValue<DateTimeOffset>(at + 11),
        reader.IsDBNull(at + 12) ? null : reader.GetString(at + 12),
        reader.IsDBNull(at + 13) ? null : reader.GetString(at + 13));

    /// <summary>Waits for a change to the job (from any node) or the safety poll, whichever comes first; false once past the deadline.</summary>
    private async Task<bool> WaitForChangeAsync(Task change, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - clock.GetUtcNow();
        if (remaining <= TimeSpan.Zero) return false;
        // The safety poll: the caller looks again even without a notification, in case one was missed.
        await change.OrTimeoutAsync(remaining < SafetyPoll ? remaining : SafetyPoll, clock, cancellationToken);
        return true;
    }
}
