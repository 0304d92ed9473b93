using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Npgsql;
using static JobService.Api.Storage.Postgres.Parameters;

namespace JobService.Api.Storage.Postgres;

/// <summary>Claiming, running and releasing units: the lease, and the fenced writes made under it.</summary>
internal sealed partial class PostgresJobStore
{
    private readonly ConcurrentDictionary<(string, int, long), ClaimedUnit> _claims = new();

    /// <summary>A unit can be claimed when it is not done and nobody holds a live lease on it (a dead node's lease runs out).</summary>
    private const string Claimable = "NOT u.done AND (u.owner IS NULL OR u.lease_expires < now())";

    public Task NextUnitsReady() => feed.UnitsReady.NextChange();

    public async ValueTask<IReadOnlyList<UnitKey>> ReadyUnitsAsync(string queue, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT u.job_id, u.unit FROM {_s}.units u WHERE u.queue = $1 AND {Claimable} ORDER BY u.ready_at LIMIT $2");
        command.Parameters.AddValues(queue, limit);
        var ready = new List<UnitKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) ready.Add(new UnitKey(reader.GetString(0), reader.GetInt32(1)));
        return ready;
    }

    public async ValueTask<UnitClaim?> ClaimUnitAsync(UnitKey unit, int workerPid, CancellationToken cancellationToken) =>
        (await ClaimAsync("SELECT $4::text, $5::int", [workerPid, unit.JobId, unit.Unit], cancellationToken)).FirstOrDefault();

    public async ValueTask<UnitClaim?> ClaimNextAsync(IReadOnlyList<string> queues, int workerPid, CancellationToken cancellationToken)
    {
        // Queue by queue, in priority order: each look walks one queue's index in ready order and stops at the first hit.
        foreach (var queue in queues)
        {
            if (auth.Value.Enabled && await ClaimFairlyAsync(queue, workerPid, cancellationToken) is { } fair) return fair;
            // SKIP LOCKED: two nodes claiming at once take different units instead of queueing on the same row.
            var claims = await ClaimAsync($"""
                SELECT u.job_id, u.unit FROM {_s}.units u WHERE u.queue = $4 AND {Claimable}
                ORDER BY u.ready_at LIMIT 1 FOR UPDATE SKIP LOCKED
                """, [workerPid, queue], cancellationToken);
            if (claims.Count > 0) return claims[0];
        }
        return null;
    }

    /// <summary>
    /// With API keys, the next unit is the oldest of the key with the fewest units running, and among those of the key served
    /// least recently (round robin), so that a key flooding the queue does not make another key's call wait behind it.
    /// Picked, then claimed by name; a claim lost to another drainer picks again, and after a few lost races the plain
    /// oldest-first claim decides (fair later, never stuck).
    /// </summary>
    private async Task<UnitClaim?> ClaimFairlyAsync(string queue, int workerPid, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var pick = dataSource.CreateCommand($"""
                WITH running AS (
                    SELECT j.owner, count(*) AS n FROM {_s}.units r JOIN {_s}.jobs j ON j.id = r.job_id
                    WHERE r.queue = $1 AND NOT r.done AND r.owner IS NOT NULL AND r.lease_expires > now()
                    GROUP BY j.owner)
                SELECT u.job_id, u.unit, j.owner FROM {_s}.units u JOIN {_s}.jobs j ON j.id = u.job_id
                LEFT JOIN running r ON r.owner IS NOT DISTINCT FROM j.owner
                LEFT JOIN {_s}.owners o ON o.owner = j.owner
                WHERE u.queue = $1 AND {Claimable}
                ORDER BY coalesce(r.n, 0), o.served_at NULLS FIRST, u.ready_at LIMIT 1
                """);
            pick.Parameters.AddValues(queue);
            UnitKey picked;
            string? owner;
            await using (var reader = await pick.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken)) return null;
                (picked, owner) = (new UnitKey(reader.GetString(0), reader.GetInt32(1)), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
            if (await ClaimUnitAsync(picked, workerPid, cancellationToken) is not { } claim) continue;
            if (owner is not null)
            {
                await using var served = dataSource.CreateCommand(
                    $"INSERT INTO {_s}.owners (owner, served_at) VALUES ($1, now()) ON CONFLICT (owner) DO UPDATE SET served_at = now()");
                served.Parameters.AddValues(owner);
                await served.ExecuteNonQueryAsync(cancellationToken);
            }
            return claim;
        }
        return null;
    }

    public async ValueTask<IReadOnlyList<UnitClaim>> ClaimAheadAsync(
        IReadOnlyList<string> queues, int workerPid, IReadOnlyCollection<string> quickFunctions, int max, CancellationToken cancellationToken)
    {
        if (quickFunctions.Count == 0) return [];
        // Measured on single-call submits: a claim cost as much as running the call, so a drainer takes several at once.
        // Only from a backlog (units that already waited): while drainers keep up, a unit goes to one that is free now.
        var claims = new List<UnitClaim>();
        foreach (var queue in queues)
        {
            if (claims.Count == max) break;
            claims.AddRange(await ClaimAsync($"""
                SELECT u.job_id, u.unit FROM {_s}.units u
                WHERE u.queue = $4 AND {Claimable} AND u.count = 1 AND u.ready_at < now() - interval '50 milliseconds'
                  AND (SELECT q.functions FROM {_s}.jobs q WHERE q.id = u.job_id) <@ $6
                ORDER BY u.ready_at LIMIT $5 FOR UPDATE SKIP LOCKED
                """, [workerPid, queue, max - claims.Count, quickFunctions.ToArray()], cancellationToken));
        }
        return claims;
    }

    /// <summary>Leases the units <paramref name="picked"/> selects (job_id, unit), if they are still claimable once locked.</summary>
    private async ValueTask<List<UnitClaim>> ClaimAsync(string picked, object[] values, CancellationToken cancellationToken)
    {
        // The arguments of jobs this node keeps in memory are not sent back (see PostgresJobStore.LocalItems).
        var localJobs = 3 + values.Length;
        await using var command = dataSource.CreateCommand($"""
            WITH picked (job_id, unit) AS ({picked})
            UPDATE {_s}.units u
            SET owner = $1, lease = u.lease + 1, lease_expires = now() + $2, attempts = u.attempts + 1,
                interrupts = ARRAY[]::int[], worker_pid = $3, started_at = coalesce(u.started_at, now())
            FROM picked p, {_s}.jobs j
            WHERE u.job_id = p.job_id AND u.unit = p.unit AND j.id = u.job_id AND {Claimable}
            RETURNING {SpecColumns}, u.unit, u.first_index, u.count, CASE WHEN u.job_id = ANY(${localJobs}) THEN NULL ELSE u.args END,
                u.slots, u.terminal, u.attempts, u.lease, u.blames, u.batches, u.finished + u.failed + u.cancelled, u.args_format
            """);
        command.Parameters.AddValues(node.Id, _lease);
        command.Parameters.AddValues(values);
        var local = LocalItemsNow();
        command.Parameters.AddValues((object)local.Keys.ToArray());
        var claims = new List<UnitClaim>();
        var stamp = feed.Stamp();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) claims.Add(ReadClaim(reader, local, stamp));
        return claims.OrderBy(c => c.Job.CreatedAt).ThenBy(c => c.Unit).ToList();
    }

    private UnitClaim ReadClaim(NpgsqlDataReader reader, IReadOnlyDictionary<string, LocalItems> local, long stamp)
    {
        var spec = ReadSpec(reader, 0);
        var c = SpecColumnCount;
        var (unit, first, count) = (reader.GetInt32(c), reader.GetInt32(c + 1), reader.GetInt32(c + 2));
        var items = reader.IsDBNull(c + 3)
            ? TakeLocalItems(spec.Id, local[spec.Id])
            : new UnitItems(first, UnitCodec.UnpackArguments(reader.GetFieldValue<byte[]>(c + 3), reader.GetInt16(c + 11), count,
                reader.IsDBNull(c + 4) ? null : reader.GetFieldValue<byte[]>(c + 4)));
        var terminal = reader.GetFieldValue<byte[]>(c + 5);
        var pending = new List<int>(count);
        for (var k = 0; k < count; k++)
            if (!UnitCodec.IsSet(terminal, k)) pending.Add(first + k);
        var blamed = reader.GetFieldValue<int[]>(c + 8).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var claim = new UnitClaim(spec, unit, items, pending, reader.GetInt32(c + 6), blamed, reader.GetInt64(c + 7));
        _claims[Key(claim)] = new ClaimedUnit(unit, first, count, terminal, reader.GetInt32(c + 9), reader.GetInt32(c + 10), ClaimedAt: stamp);
        return claim;
    }

    /// <summary>The units a job's intake leases to this node (see <see cref="Add"/>), as a claim would read them back.</summary>
    private List<UnitClaim> IntakeClaims(NewJob job, PendingJob pending)
    {
        var claims = new List<UnitClaim>(pending.Handed);
        for (var unit = 0; unit < pending.Handed; unit++)
        {
            var (first, count) = job.Spec.Plan.UnitRange(unit, job.Spec.Count);
            var claim = new UnitClaim(job.Spec, unit, new UnitItems(0, job.Items), Enumerable.Range(first, count).ToList(), Attempts: 1, ReadOnlyDictionary<int, int>.Empty, Lease: 1)
            {
                LeasedAtIntake = true,
            };
            _claims[Key(claim)] = new ClaimedUnit(unit, first, count, UnitCodec.NewBits(count), 0, 0, Committed: pending.Committed.Task);
            claims.Add(claim);
        }
        return claims;
    }

    /// <summary>
    /// Under a unit leased by its job's intake, nothing is written before that commit ends: until then the unit has no row.
    /// If the commit failed, it never will, and every write under the claim finds nothing, as under a lost lease.
    /// </summary>
    private async ValueTask IntakeCommittedAsync(UnitClaim claim)
    {
        if (_claims.TryGetValue(Key(claim), out var known) && known.Committed is { IsCompleted: false } commit)
            await commit.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask<int[]> ClaimItemsAsync(UnitClaim claim, IReadOnlyList<int> indices, int workerPid, CancellationToken cancellationToken)
    {
        await IntakeCommittedAsync(claim);
        await using var command = FencedCommand(claim, $"UPDATE {_s}.units u SET worker_pid = $5 WHERE {Fenced} RETURNING u.terminal, u.first_index", workerPid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return [];
        var (terminal, first) = (reader.GetFieldValue<byte[]>(0), reader.GetInt32(1));
        return indices.Where(i => !UnitCodec.IsSet(terminal, i - first)).ToArray();
    }

    public async ValueTask<List<int>> UnfinishedAsync(UnitClaim claim, IReadOnlyList<int> indices, CancellationToken cancellationToken)
    {
        if (indices.Count == 0) return [];
        await IntakeCommittedAsync(claim);
        await using var command = dataSource.CreateCommand($"SELECT u.terminal, u.first_index FROM {_s}.units u WHERE u.job_id = $1 AND u.unit = $2");
        command.Parameters.AddValues(claim.Job.Id, claim.Unit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return [];
        var (terminal, first) = (reader.GetFieldValue<byte[]>(0), reader.GetInt32(1));
        return indices.Where(i => !UnitCodec.IsSet(terminal, i - first)).ToList();
    }

    public async ValueTask<IReadOnlyList<int>?> RenewAsync(UnitClaim claim, CancellationToken cancellationToken)
    {
        await IntakeCommittedAsync(claim);
        await using var command = FencedCommand(claim, $"UPDATE {_s}.units u SET lease_expires = now() + $5 WHERE {Fenced} RETURNING u.interrupts", _lease);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<int[]>(0) : null;
    }

    public async ValueTask ReleaseAsync(UnitClaim claim, CancellationToken cancellationToken)
    {
        await IntakeCommittedAsync(claim);
        // A unit whose last outcome was written by the fast path below was released by that same statement.
        if (_claims.TryRemove(Key(claim), out var known) && known.Done) return;
        await using var command = FencedCommand(claim, $"""
            WITH released AS (
                UPDATE {_s}.units u SET owner = NULL, lease_expires = NULL, worker_pid = NULL WHERE {Fenced} RETURNING u.done)
            SELECT true, pg_notify('{PostgresListener.UnitsReady}', {PostgresListener.PayloadSql("$5", "$3")}) FROM released WHERE NOT done
            """, claim.Job.Options.Queue);
        var readyAgain = await command.ExecuteScalarAsync(cancellationToken) is not null;
        feed.ChangedByClaim(claim.Job.Id);
        if (readyAgain) feed.UnitsReady.Pulse();
    }

    public async ValueTask<bool> RecordAsync(UnitClaim claim, ReadOnlyMemory<ItemOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.IsEmpty) return false;
        await IntakeCommittedAsync(claim);
        if (_claims.TryGetValue(Key(claim), out var known) && await TryRecordAsync(claim, known, outcomes, cancellationToken) is { } fast) return fast;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var unit = await LockUnitAsync(connection, claim.Job.Id, claim.Unit, fence: claim, cancellationToken);
        // Checkpoint: the unit's row is locked, and still ours. A cancel waits for this, or went first and set its bits;
        // a node that took the unit over after our lease ran out has bumped the lease, and then nothing below happens.
        if (unit is null) return false;
        var batch = Encode(unit.First, unit.Count, unit.Terminal, outcomes.Span, blamesOut: []);
        var completed = await WriteOutcomesAsync(connection, unit, claim.Job.Id, batch.Data, batch.MinIndex, batch.MaxIndex,
            (batch.Finished, batch.Failed, 0), batch.Blames, [], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (known is not null) _claims[Key(claim)] = known with
        {
            Terminal = unit.Terminal, Batches = unit.Batches + 1, Terminated = unit.Terminated + batch.Finished + batch.Failed,
        };
        feed.ChangedByClaim(claim.Job.Id);
        return completed;
    }

    /// <summary>
    /// The fast path: one statement, guarded by the batch count this claim last saw. If anyone else wrote to the unit
    /// since (a cancel), or the lease is gone, it changes nothing (null) and the locking path above decides; else whether
    /// the write completed the job.
    /// </summary>
    private async Task<bool?> TryRecordAsync(UnitClaim claim, ClaimedUnit known, ReadOnlyMemory<ItemOutcome> outcomes, CancellationToken cancellationToken)
    {
        // Disposed here unless kept (KeepLocalBatch takes it over).
        var local = NewLocalOutcomes(known.Count, outcomes.Length);
        try
        {
            var bits = (byte[])known.Terminal.Clone();
            var batch = Encode(known.First, known.Count, bits, outcomes.Span, blamesOut: [], local);
            if (batch.Blames.Count > 0) return null;
            var ended = batch.Finished + batch.Failed;
            if (ended == 0) return false;
            var done = known.Terminated + ended == known.Count;
            var named = notices.JobChangeTurn(claim.Job.Id, endsUnit: done);
            await using var command = dataSource.CreateCommand($"""
                WITH u AS (
                    UPDATE {_s}.units u SET terminal = $5, finished = finished + $6, failed = failed + $7, done = $8, batches = batches + 1, worker_pid = $13,
                        owner = CASE WHEN $8 THEN NULL ELSE owner END, lease_expires = CASE WHEN $8 THEN NULL ELSE lease_expires END
                    WHERE {Fenced} AND u.batches = $9
                    RETURNING u.job_id),
                r AS (
                    INSERT INTO {_s}.results (job_id, unit, batch, min_index, max_index, data, format, outcomes) SELECT $1, $2, $9, $10, $11, $12, {UnitCodec.CurrentFormat}, $6 + $7 FROM u),
                j AS (
                    UPDATE {_s}.jobs SET open_units = open_units - 1, completed_at = CASE WHEN open_units = 1 THEN now() ELSE completed_at END
                    WHERE id = $1 AND $8 AND EXISTS (SELECT 1 FROM u) RETURNING open_units)
                SELECT coalesce((SELECT open_units = 0 FROM j), false), (SELECT pg_notify('{PostgresListener.JobChanged}', $14::text) WHERE $14::text IS NOT NULL) FROM u
                """);
            var data = batch.Data;
            command.Parameters.AddValues(claim.Job.Id, claim.Unit, node.Id, claim.Lease, bits, batch.Finished, batch.Failed, done, known.Batches,
                batch.MinIndex, batch.MaxIndex, data, outcomes.Span[^1].WorkerPid, named is null ? null : PostgresListener.Payload(named, node));
            bool? completed = null;
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) completed = reader.GetBoolean(0);
            }
            finally
            {
                // Nothing written, nothing notified: the earlier writes this notification was to name are owed again.
                if (completed is null && named is not null) foreach (var jobId in named) notices.JobChangeOwed(jobId, endsUnit: true);
            }
            if (completed is null) return null;
            if (named is null) notices.JobChangeOwed(claim.Job.Id, endsUnit: done);
            KeepLocalBatch(claim.Job.Id, claim.Unit, known.Batches, data, local, known.Count);
            local = null;
            _claims[Key(claim)] = known with { Terminal = bits, Batches = known.Batches + 1, Terminated = known.Terminated + ended, Done = done };
            feed.ChangedByClaim(claim.Job.Id);
            return completed;
        }
        finally
        {
            local?.Dispose();
        }
    }

    /// <summary>Sets the bits of the outcomes not yet terminal in <paramref name="terminal"/> and encodes them as one batch.</summary>
    /// <param name="local">Where to copy the batch's outcomes as a stream reads them, if anywhere.</param>
    private static EncodedBatch Encode(int first, int count, byte[] terminal, ReadOnlySpan<ItemOutcome> outcomes, List<int> blamesOut,
        LocalOutcomes? local = null)
    {
        // A few bytes per outcome (a power_sum result takes 4.6): room for 10 spares growing.
        using var writer = new UnitCodec.OutcomeWriter(Math.Max(256, outcomes.Length * 10));
        var batch = new EncodedBatch(blamesOut);
        foreach (var outcome in outcomes)
        {
            var k = outcome.Index - first;
            if ((uint)k >= (uint)count || UnitCodec.IsSet(terminal, k)) continue;
            if (outcome.Kind == OutcomeKind.Retrying)
            {
                blamesOut.Add(outcome.Index);
                continue;
            }
            UnitCodec.Set(terminal, k);
            var state = outcome.Kind == OutcomeKind.Finished ? FutureState.Finished : FutureState.Failed;
            if (state == FutureState.Finished) batch.Finished++; else batch.Failed++;
            (batch.MinIndex, batch.MaxIndex) = (Math.Min(batch.MinIndex, outcome.Index), Math.Max(batch.MaxIndex, outcome.Index));
            writer.Write(outcome.Index, state, outcome.WorkerPid, outcome.ElapsedMicros, outcome.Result.Span, outcome.Error);
            local?.Add(outcome.Index, state, state == FutureState.Finished ? outcome.Result.Span : default, outcome.Error);
        }
        batch.Data = writer.ToArray();
        return batch;
    }

    private sealed class EncodedBatch(List<int> blames)
    {
        public byte[] Data { get; set; } = [];
        public List<int> Blames => blames;
        public int Finished { get; set; }
        public int Failed { get; set; }
        public int MinIndex { get; set; } = int.MaxValue;
        public int MaxIndex { get; set; } = int.MinValue;
    }

    /// <summary>What this node knows of a unit it holds: written only by this claim, except for cancels (which bump the batch count).</summary>
    /// <param name="Committed">For a unit leased by its job's intake: that commit.</param>
    /// <param name="ClaimedAt">The change feed's stamp taken before the claim was sent; 0 for a unit leased by its job's intake,
    /// before anyone could watch the job.</param>
    private sealed record ClaimedUnit(int Unit, int First, int Count, byte[] Terminal, int Batches, int Terminated, bool Done = false, Task? Committed = null,
        long ClaimedAt = 0);

    private static (string, int, long) Key(UnitClaim claim) => (claim.Job.Id, claim.Unit, claim.Lease);

    /// <summary>
    /// This node's latest claim on the unit, which counts its batches (cancels aside); null when it holds none. An earlier
    /// claim of this node (its lease ran out, and this node claimed the unit again) may linger until it ends.
    /// </summary>
    private ClaimedUnit? LatestClaim(string jobId, int unit)
    {
        (long Lease, ClaimedUnit Known)? latest = null;
        foreach (var ((job, u, lease), known) in _claims)
            if (u == unit && job == jobId && (latest is null || lease > latest.Value.Lease)) latest = (lease, known);
        return latest?.Known;
    }

    private const string Fenced = "u.job_id = $1 AND u.unit = $2 AND u.owner = $3 AND u.lease = $4";

    private NpgsqlCommand FencedCommand(UnitClaim claim, string sql, object extra)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.AddValues(claim.Job.Id, claim.Unit, node.Id, claim.Lease, extra);
        return command;
    }

    /// <summary>The unit's row, locked until the transaction ends; with <paramref name="fence"/>, only while that claim still holds the lease.</summary>
    private async Task<LockedUnit?> LockUnitAsync(NpgsqlConnection connection, string jobId, int unit, UnitClaim? fence, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT u.first_index, u.count, u.terminal, u.batches, u.finished + u.failed + u.cancelled,
                   u.owner IS NOT NULL AND u.lease_expires > now(), u.queue
            FROM {_s}.units u WHERE u.job_id = $1 AND u.unit = $2 {(fence is null ? "" : "AND u.owner = $3 AND u.lease = $4")}
            FOR UPDATE
            """, connection);
        command.Parameters.AddValues(jobId, unit);
        if (fence is not null)
        {
            command.Parameters.AddValues(node.Id, fence.Lease);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new LockedUnit(unit, reader.GetInt32(0), reader.GetInt32(1), reader.GetFieldValue<byte[]>(2), reader.GetInt32(3),
            reader.GetInt32(4), reader.GetBoolean(5), reader.GetString(6));
    }

    /// <summary>
    /// Writes a batch of newly terminal outcomes of a locked unit: its bits and counters, one results row, the job's
    /// completion when this was its last open unit, and the notification that wakes waiters on every node. True when
    /// the job completed with it.
    /// </summary>
    private async Task<bool> WriteOutcomesAsync(
        NpgsqlConnection connection, LockedUnit unit, string jobId, byte[] data, int minIndex, int maxIndex,
        (int Finished, int Failed, int Cancelled) added, List<int> blames, List<int> interrupts, CancellationToken cancellationToken)
    {
        var ended = added.Finished + added.Failed + added.Cancelled;
        if (ended == 0 && blames.Count == 0) return false;
        var done = unit.Terminated + ended == unit.Count;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"""
                    UPDATE {_s}.units SET terminal = $3, finished = finished + $4, failed = failed + $5, cancelled = cancelled + $6,
                        done = $7, batches = batches + (CASE WHEN $4 + $5 + $6 > 0 THEN 1 ELSE 0 END), blames = blames || $8, interrupts = interrupts || $9
                    WHERE job_id = $1 AND unit = $2
                    """, jobId, unit.Unit, unit.Terminal, added.Finished, added.Failed, added.Cancelled, done, blames.ToArray(), interrupts.ToArray()),
            },
        };
        if (ended > 0)
        {
            batch.BatchCommands.Add(Command(
                $"INSERT INTO {_s}.results (job_id, unit, batch, min_index, max_index, data, format, outcomes) VALUES ($1, $2, $3, $4, $5, $6, {UnitCodec.CurrentFormat}, $7)",
                jobId, unit.Unit, unit.Batches, minIndex, maxIndex, data, ended));
            batch.BatchCommands.Add(Command($"SELECT pg_notify('{PostgresListener.JobChanged}', $1)", PostgresListener.Payload(jobId, node)));
        }
        if (!done)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return false;
        }
        batch.BatchCommands.Add(Command(
            $"UPDATE {_s}.jobs SET open_units = open_units - 1, completed_at = CASE WHEN open_units = 1 THEN now() ELSE completed_at END WHERE id = $1 RETURNING open_units = 0 AS completed",
            jobId));
        // The job's row is the last statement: its answer comes after every other one's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var completed = false;
        do
        {
            if (reader.FieldCount == 1 && reader.GetName(0) == "completed" && await reader.ReadAsync(cancellationToken)) completed = reader.GetBoolean(0);
        }
        while (await reader.NextResultAsync(cancellationToken));
        return completed;
    }

    /// <summary>A unit's row as read under its lock.</summary>
    private sealed record LockedUnit(int Unit, int First, int Count, byte[] Terminal, int Batches, int Terminated, bool Leased, string Queue);
}
