using System.Threading.Channels;
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

    /// <summary>The future in one round trip: its job, its unit's row, and (once terminal) the batches that may hold its outcome.</summary>
    private async Task<FutureSnapshot?> ReadFutureAsync(FutureId id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {SpecColumns}, u.first_index, get_bit(u.terminal, $2 - u.first_index) = 1, {RunningUnit},
                   u.worker_pid, u.started_at, u.attempts, u.blames, u.slots, r.data, r.recorded_at, r.format
            FROM {_s}.jobs j
            JOIN {_s}.units u ON u.job_id = j.id AND u.unit = ($2::bigint / (j.chunksize::bigint * j.chunks_per_unit))::int
            LEFT JOIN LATERAL (
                SELECT r.data, r.recorded_at, r.format, r.batch FROM {_s}.results r
                WHERE r.job_id = j.id AND r.unit = u.unit AND r.min_index <= $2 AND r.max_index >= $2) r
                ON get_bit(u.terminal, $2 - u.first_index) = 1
            WHERE j.id = $1 AND $2 < j.count
            ORDER BY r.batch
            """);
        command.Parameters.AddValues(id.JobId, id.Index);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var spec = ReadSpec(reader, 0);
        var c = SpecColumnCount;
        var first = reader.GetInt32(c);
        var (terminal, leased) = (reader.GetBoolean(c + 1), reader.GetBoolean(c + 2));
        int? pid = reader.IsDBNull(c + 3) ? null : reader.GetInt32(c + 3);
        DateTimeOffset? started = reader.IsDBNull(c + 4) ? null : reader.GetFieldValue<DateTimeOffset>(c + 4);
        // Attempts: the deliveries of its unit (a node lost while running it counts) plus its re-runs after a worker crash or timeout.
        var tries = reader.GetInt32(c + 5) + reader.GetFieldValue<int[]>(c + 6).Count(i => i == id.Index);
        var slot = reader.IsDBNull(c + 7) ? (ushort)0 : BitConverter.ToUInt16(reader.GetFieldValue<byte[]>(c + 7), 2 * (id.Index - first));
        var function = spec.Functions[slot];
        if (!terminal)
        {
            return leased
                ? new FutureSnapshot(spec.Id, id.Index, function, FutureState.Running, default, null, tries, spec.CreatedAt, started, null, pid)
                : new FutureSnapshot(spec.Id, id.Index, function, FutureState.Pending, default, null, tries, spec.CreatedAt, null, null, null);
        }
        do
        {
            if (reader.IsDBNull(c + 8)) continue;
            foreach (var outcome in UnitCodec.Read(reader.GetFieldValue<byte[]>(c + 8), reader.GetInt16(c + 10)))
            {
                if (outcome.Index != id.Index) continue;
                var finishedAt = reader.GetFieldValue<DateTimeOffset>(c + 9);
                var ran = outcome.State != FutureState.Cancelled;
                return new FutureSnapshot(spec.Id, id.Index, function, outcome.State, outcome.Result, outcome.Error, ran ? Math.Max(1, tries) : tries,
                    spec.CreatedAt, ran ? finishedAt.AddTicks(-outcome.ElapsedMicros * 10L) : null, finishedAt,
                    outcome.WorkerPid == 0 ? null : outcome.WorkerPid);
            }
        }
        while (await reader.ReadAsync(cancellationToken));
        return null;
    }

    /// <summary>The one terminal outcome of an item, found through the batches whose index range covers it.</summary>
    private async Task<(StoredOutcome Outcome, DateTimeOffset RecordedAt)?> ReadOutcomeAsync(NpgsqlConnection connection, FutureId id, int unit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT r.data, r.recorded_at, r.format FROM {_s}.results r
            WHERE r.job_id = $1 AND r.unit = $2 AND r.min_index <= $3 AND r.max_index >= $3 ORDER BY r.batch
            """, connection);
        command.Parameters.AddValues(id.JobId, unit, id.Index);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            foreach (var outcome in UnitCodec.Read(reader.GetFieldValue<byte[]>(0), reader.GetInt16(2)))
                if (outcome.Index == id.Index) return (outcome, reader.GetFieldValue<DateTimeOffset>(1));
        return null;
    }

    private async Task<JobSpec?> GetSpecAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {SpecColumns} FROM {_s}.jobs j WHERE j.id = $1");
        command.Parameters.AddValues(jobId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSpec(reader, 0) : null;
    }

    /// <summary>
    /// <c>concurrent.futures.wait</c>: each job is watched once; when its notification comes, only that job's futures not
    /// yet done are read again (measured: re-reading every waited job on every change cost more than running the jobs).
    /// </summary>
    public async Task<WaitOutcome> WaitAsync(IReadOnlyList<FutureId> ids, ReturnWhen returnWhen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + timeout;
        var distinct = ids.Distinct().ToList();
        var wanted = distinct.Count;
        var pending = distinct.GroupBy(i => i.JobId).ToDictionary(g => g.Key, g => g.ToList());
        var changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var watches = pending.Keys.ToDictionary(job => job, feed.Subscribe);
        try
        {
            var done = new HashSet<FutureId>();
            var failed = false;
            var toRead = pending.Keys.ToList();
            var armed = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                foreach (var job in toRead)
                    if (armed.Add(job)) Arm(watches[job], job, changed.Writer);
                failed |= await ReadDoneAsync(toRead.SelectMany(job => pending[job]).ToList(), done, cancellationToken);
                foreach (var job in toRead)
                    if (pending[job].RemoveAll(done.Contains) > 0 && pending[job].Count == 0) pending.Remove(job);
                var satisfied = returnWhen switch
                {
                    ReturnWhen.FirstCompleted => done.Count > 0,
                    ReturnWhen.FirstException => failed || done.Count == wanted,
                    _ => done.Count == wanted,
                };
                if (satisfied || !await WaitForChangeAsync(changed.Reader.WaitToReadAsync(cancellationToken).AsTask(), deadline, cancellationToken))
                    return new WaitOutcome(ids.Where(done.Contains).ToList(), ids.Where(i => !done.Contains(i)).ToList());
                var woken = new HashSet<string>(StringComparer.Ordinal);
                while (changed.Reader.TryRead(out var job))
                {
                    woken.Add(job);
                    armed.Remove(job);
                }
                // Nothing came before the safety poll: a notification may have been missed, so every waited job is read again.
                toRead = (woken.Count > 0 ? woken.Where(pending.ContainsKey) : pending.Keys).ToList();
            }
        }
        finally
        {
            foreach (var watch in watches.Values) watch.Dispose();
        }
    }

    /// <summary>The job's next change puts it on the channel once; taken before its futures are read, so nothing is missed.</summary>
    private static void Arm(ChangeFeed.Watch watch, string jobId, ChannelWriter<string> changed) =>
        watch.Signal.NextChange().ContinueWith(static (_, state) =>
            {
                var (writer, job) = ((ChannelWriter<string>, string))state!;
                writer.TryWrite(job);
            }, (changed, jobId), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Adds to <paramref name="done"/> those of <paramref name="ids"/> that are terminal (or whose job is gone); true if one of them failed.</summary>
    private async Task<bool> ReadDoneAsync(List<FutureId> ids, HashSet<FutureId> done, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return false;
        var byJob = ids.GroupBy(i => i.JobId).ToDictionary(g => g.Key, g => g.ToList());
        await using var command = dataSource.CreateCommand(
            $"SELECT u.job_id, u.unit, u.first_index, u.count, u.terminal, u.failed > 0 FROM {_s}.units u WHERE u.job_id = ANY($1)");
        command.Parameters.AddValues((object)byJob.Keys.ToArray());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var maybeFailed = new List<(FutureId Id, int Unit)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var jobId = reader.GetString(0);
                seen.Add(jobId);
                var (unit, first, count) = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
                var (terminal, anyFailed) = (reader.GetFieldValue<byte[]>(4), reader.GetBoolean(5));
                foreach (var id in byJob[jobId])
                {
                    if (id.Index < first || id.Index >= first + count || !UnitCodec.IsSet(terminal, id.Index - first)) continue;
                    done.Add(id);
                    if (anyFailed) maybeFailed.Add((id, unit));
                }
            }
        }
        // A job that is gone (expired) holds only terminal futures.
        foreach (var (jobId, gone) in byJob)
            if (!seen.Contains(jobId)) done.UnionWith(gone);
        if (maybeFailed.Count == 0) return false;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Only units that hold a failure are looked into, and only for the futures waited on.
        foreach (var (id, unit) in maybeFailed)
            if ((await ReadOutcomeAsync(connection, id, unit, cancellationToken))?.Outcome.State == FutureState.Failed)
                return true;
        return false;
    }
}
