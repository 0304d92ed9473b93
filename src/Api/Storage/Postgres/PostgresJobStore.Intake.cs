using System.Threading.Channels;
using Npgsql;
using static JobService.Api.Storage.Postgres.Parameters;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// New jobs, committed in groups: the jobs that arrive while one group is being written go together in the
/// next, in one round trip and one flush to disk. Sixteen clients submitting at once cost the database a few
/// commits, not sixteen; a lone client waits for one commit, as before.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private const int MaxGroupJobs = 64;
    private const long MaxGroupBytes = 8 * 1024 * 1024;
    private readonly Channel<PendingJob> _intake = Channel.CreateUnbounded<PendingJob>(new UnboundedChannelOptions { SingleReader = true });
    private int _writing;

    public AddedJob Add(NewJob job, int claimHere)
    {
        var pending = new PendingJob(job.Spec, PackUnits(job), Math.Clamp(claimHere, 0, job.Spec.Plan.Units));
        // Before the commit: a unit can be claimed the moment it is committed. Nothing else names an uncommitted job.
        KeepLocalItems(job, pending.Handed);
        var claims = IntakeClaims(job, pending);
        _intake.Writer.TryWrite(pending);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) _ = Task.Run(WriteGroupsAsync, CancellationToken.None);
        // Checkpoint: once Committed completes, the job is committed and the 202 may go out. From there it survives this
        // node; its units wait in the store until a drainer on some node claims them, or run here under the intake's lease.
        return new AddedJob(claims, pending.Committed.Task);
    }

    /// <summary>One writer at a time; it stops when nothing is queued, and the next job starts another.</summary>
    private async Task WriteGroupsAsync()
    {
        while (true)
        {
            while (_intake.Reader.TryRead(out var first))
            {
                var group = new List<PendingJob> { first };
                var bytes = first.Bytes;
                while (group.Count < MaxGroupJobs && bytes < MaxGroupBytes && _intake.Reader.TryRead(out var next))
                {
                    group.Add(next);
                    bytes += next.Bytes;
                }
                await WriteGroupAsync(group);
            }
            Volatile.Write(ref _writing, 0);
            // A job queued after the last look but before the flag dropped would wait for the next job: look once more.
            if (!_intake.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
        }
    }

    private async Task WriteGroupAsync(List<PendingJob> group)
    {
        IReadOnlyList<string>? named = null;
        try
        {
            await using var connection = await sources.Durable.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            foreach (var job in group) AddInserts(batch, job);
            // Units leased at intake are nobody else's to claim: only the others are announced, now or soon (see NoticePacer).
            var readyQueues = group.Where(j => j.Handed < j.Units.Numbers.Length).Select(j => j.Spec.Options.Queue).ToHashSet();
            named = readyQueues.Count > 0 ? notices.UnitsReadyTurn(readyQueues) : null;
            if (named is not null)
                batch.BatchCommands.Add(Command($"SELECT pg_notify('{PostgresListener.UnitsReady}', $1)", PostgresListener.Payload(named, node)));
            // One batch is one implicit transaction: every job of the group is committed, or none is.
            await batch.ExecuteNonQueryAsync();
            foreach (var job in group) job.Committed.TrySetResult();
            if (readyQueues.Count == 0) return;
            feed.UnitsReady.Pulse();
            if (named is null) notices.UnitsReadyOwed(readyQueues);
        }
        catch (Exception) when (group.Count > 1)
        {
            NotAnnounced(named);
            // One job may be what failed the group: each goes alone, so only that one's request fails.
            foreach (var job in group) await WriteGroupAsync([job]);
        }
        catch (Exception e)
        {
            NotAnnounced(named);
            group[0].Committed.TrySetException(e);
        }
    }

    /// <summary>The group's notification was not sent: the queues it named for earlier groups are owed again.</summary>
    private void NotAnnounced(IReadOnlyList<string>? named)
    {
        if (named is not null) notices.UnitsReadyOwed(named);
    }

    private void AddInserts(NpgsqlBatch batch, PendingJob job)
    {
        var spec = job.Spec;
        var units = job.Units;
        batch.BatchCommands.Add(Command($"""
            INSERT INTO {_s}.jobs (id, type, functions, count, spread, chunksize, chunks, chunks_per_unit, timeout_seconds, retries, queue, created_at, open_units, completed_at, owner, trace_parent)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $13 = 0 THEN $12 END, $14, $15)
            """,
            spec.Id, (short)spec.Type, spec.Functions.ToArray(), spec.Count, spec.Spread, spec.Plan.Chunksize, spec.Plan.Chunks,
            spec.Plan.ChunksPerUnit, spec.Options.TimeoutSeconds, spec.Options.Retries, spec.Options.Queue, spec.CreatedAt, units.Numbers.Length, spec.Owner, spec.TraceParent));
        if (units.Numbers.Length == 0) return;
        // The first units, as many as this node's idle drainers took, are leased to it here, as a claim would lease them.
        batch.BatchCommands.Add(Command($"""
            INSERT INTO {_s}.units (job_id, unit, first_index, count, queue, args, args_format, slots, terminal, ready_at,
                owner, lease, lease_expires, attempts, started_at)
            SELECT $1, u.unit, u.first, u.count, $2, u.args, {UnitCodec.CurrentArgumentsFormat}, u.slots, u.bits, clock_timestamp(),
                CASE WHEN h.here THEN $10 END, h.here::int, CASE WHEN h.here THEN now() + $11 END, h.here::int, CASE WHEN h.here THEN now() END
            FROM unnest($3::int[], $4::int[], $5::int[], $6::bytea[], $7::bytea[], $8::bytea[]) AS u(unit, first, count, args, slots, bits)
            CROSS JOIN LATERAL (SELECT u.unit < $9 AS here) h
            """,
            spec.Id, spec.Options.Queue, units.Numbers, units.Firsts, units.Counts, units.Args, units.Slots, units.Bits, job.Handed, node.Id, _lease));
    }

    /// <summary>The job's units as the columns of their rows, packed on the request's thread (not the writer's).</summary>
    private static PackedUnits PackUnits(NewJob job)
    {
        var spec = job.Spec;
        var n = spec.Plan.Units;
        var packed = new PackedUnits(new int[n], new int[n], new int[n], new byte[n][], new byte[]?[n], new byte[n][]);
        for (var unit = 0; unit < n; unit++)
        {
            var (first, count) = spec.Plan.UnitRange(unit, spec.Count);
            (packed.Numbers[unit], packed.Firsts[unit], packed.Counts[unit]) = (unit, first, count);
            packed.Args[unit] = UnitCodec.PackArguments(job.Items, first, count);
            packed.Slots[unit] = UnitCodec.PackSlots(job, first, count);
            packed.Bits[unit] = UnitCodec.NewBits(count);
        }
        return packed;
    }

    private sealed record PackedUnits(int[] Numbers, int[] Firsts, int[] Counts, byte[][] Args, byte[]?[] Slots, byte[][] Bits);

    /// <param name="Handed">How many of the job's first units are leased to this node by its own commit.</param>
    private sealed record PendingJob(JobSpec Spec, PackedUnits Units, int Handed)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long Bytes { get; } = Units.Args.Sum(a => (long)a.Length);
    }
}
