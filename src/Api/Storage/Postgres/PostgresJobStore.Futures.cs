using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>Reading futures and waiting on them: each wait re-reads the store when the change feed says its job changed.</summary>
internal sealed partial class PostgresJobStore
{
    public async ValueTask<FutureSnapshot?> GetFutureAsync(FutureId id, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var watch = wait > TimeSpan.Zero ? feed.Subscribe(id.JobId) : null;
        var deadline = clock.GetUtcNow() + wait;
        while (true)
        {
            // Take the change before looking, so a change between the look and the wait is not missed.
            var change = watch?.Signal.NextChange();
            var future = await ReadFutureAsync(id, cancellationToken);
            if (future is null || future.State.IsTerminal() || change is null) return future;
            if (!await WaitForChangeAsync(change, deadline, cancellationToken)) return future;
        }
    }

    private async Task<FutureSnapshot?> ReadFutureAsync(FutureId id, CancellationToken cancellationToken)
    {
        var spec = await GetSpecAsync(id.JobId, cancellationToken);
        if (spec is null || (uint)id.Index >= (uint)spec.Count) return null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var unit = spec.Plan.UnitOf(id.Index);
        await using var command = new NpgsqlCommand($"""
            SELECT u.first_index, u.terminal, u.owner IS NOT NULL AND u.lease_expires > now(), u.worker_pid, u.started_at, u.attempts, u.blames, u.slots
            FROM {_s}.units u WHERE u.job_id = $1 AND u.unit = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id.JobId });
        command.Parameters.Add(new NpgsqlParameter { Value = unit });
        int first, attempts, retries;
        bool terminal, leased;
        int? pid;
        DateTimeOffset? started;
        ushort slot;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return null;
            first = reader.GetInt32(0);
            terminal = UnitCodec.IsSet(reader.GetFieldValue<byte[]>(1), id.Index - first);
            leased = reader.GetBoolean(2);
            pid = reader.IsDBNull(3) ? null : reader.GetInt32(3);
            started = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4);
            attempts = reader.GetInt32(5);
            retries = reader.GetFieldValue<int[]>(6).Count(i => i == id.Index);
            slot = reader.IsDBNull(7) ? (ushort)0 : BitConverter.ToUInt16(reader.GetFieldValue<byte[]>(7), 2 * (id.Index - first));
        }
        var function = spec.Functions[slot];
        // Attempts: the deliveries of its unit (a node lost while running it counts) plus its re-runs after a worker crash or timeout.
        var tries = attempts + retries;
        if (!terminal)
        {
            return leased
                ? new FutureSnapshot(spec.Id, id.Index, function, FutureState.Running, default, null, tries, spec.CreatedAt, started, null, pid)
                : new FutureSnapshot(spec.Id, id.Index, function, FutureState.Pending, default, null, tries, spec.CreatedAt, null, null, null);
        }
        var stored = await ReadOutcomeAsync(connection, id, unit, cancellationToken);
        if (stored is null) return null;
        var (outcome, finishedAt) = stored.Value;
        var ran = outcome.State != FutureState.Cancelled;
        return new FutureSnapshot(spec.Id, id.Index, function, outcome.State, outcome.Result, outcome.Error, ran ? Math.Max(1, tries) : tries,
            spec.CreatedAt, ran ? finishedAt.AddTicks(-outcome.ElapsedMicros * 10L) : null, finishedAt,
            outcome.WorkerPid == 0 ? null : outcome.WorkerPid);
    }

    /// <summary>The one terminal outcome of an item, found through the batches whose index range covers it.</summary>
    private async Task<(StoredOutcome Outcome, DateTimeOffset RecordedAt)?> ReadOutcomeAsync(NpgsqlConnection connection, FutureId id, int unit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT r.data, r.recorded_at FROM {_s}.results r
            WHERE r.job_id = $1 AND r.unit = $2 AND r.min_index <= $3 AND r.max_index >= $3 ORDER BY r.batch
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id.JobId });
        command.Parameters.Add(new NpgsqlParameter { Value = unit });
        command.Parameters.Add(new NpgsqlParameter { Value = id.Index });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            foreach (var outcome in UnitCodec.Read(reader.GetFieldValue<byte[]>(0)))
                if (outcome.Index == id.Index) return (outcome, reader.GetFieldValue<DateTimeOffset>(1));
        return null;
    }

    private async Task<JobSpec?> GetSpecAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {SpecColumns} FROM {_s}.jobs j WHERE j.id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = jobId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSpec(reader, 0) : null;
    }

    public async Task<WaitOutcome> WaitAsync(IReadOnlyList<FutureId> ids, ReturnWhen returnWhen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + timeout;
        var jobs = ids.Select(i => i.JobId).Distinct().ToArray();
        var watches = jobs.Select(feed.Subscribe).ToList();
        try
        {
            var done = new HashSet<FutureId>();
            while (true)
            {
                var changes = watches.Select(w => w.Signal.NextChange()).ToArray();
                var failed = await ReadDoneAsync(ids.Where(i => !done.Contains(i)).ToList(), done, cancellationToken);
                var satisfied = returnWhen switch
                {
                    ReturnWhen.FirstCompleted => done.Count > 0,
                    ReturnWhen.FirstException => failed || done.Count == ids.Distinct().Count(),
                    _ => done.Count == ids.Distinct().Count(),
                };
                if (satisfied || !await WaitForChangeAsync(Task.WhenAny(changes), deadline, cancellationToken))
                    return new WaitOutcome(ids.Where(done.Contains).ToList(), ids.Where(i => !done.Contains(i)).ToList());
            }
        }
        finally
        {
            foreach (var watch in watches) watch.Dispose();
        }
    }

    /// <summary>Adds to <paramref name="done"/> those of <paramref name="ids"/> that are terminal (or whose job is gone); true if one of them failed.</summary>
    private async Task<bool> ReadDoneAsync(List<FutureId> ids, HashSet<FutureId> done, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return false;
        var byJob = ids.GroupBy(i => i.JobId).ToDictionary(g => g.Key, g => g.ToList());
        await using var command = dataSource.CreateCommand(
            $"SELECT u.job_id, u.first_index, u.count, u.terminal, u.failed > 0 FROM {_s}.units u WHERE u.job_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = byJob.Keys.ToArray() });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var maybeFailed = new List<FutureId>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var jobId = reader.GetString(0);
                seen.Add(jobId);
                var (first, count, terminal, anyFailed) = (reader.GetInt32(1), reader.GetInt32(2), reader.GetFieldValue<byte[]>(3), reader.GetBoolean(4));
                foreach (var id in byJob[jobId])
                {
                    if (id.Index < first || id.Index >= first + count || !UnitCodec.IsSet(terminal, id.Index - first)) continue;
                    done.Add(id);
                    if (anyFailed) maybeFailed.Add(id);
                }
            }
        }
        // A job that is gone (expired) holds only terminal futures.
        foreach (var (jobId, gone) in byJob)
            if (!seen.Contains(jobId)) done.UnionWith(gone);
        if (maybeFailed.Count == 0) return false;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var id in maybeFailed)
            if ((await ReadOutcomeAsync(connection, id, (await GetSpecAsync(id.JobId, cancellationToken))!.Plan.UnitOf(id.Index), cancellationToken))?.Outcome.State == FutureState.Failed)
                return true;
        return false;
    }
}
