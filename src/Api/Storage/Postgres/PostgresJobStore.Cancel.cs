using System.Buffers;
using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>Cancelling futures and jobs, from any node: under the unit's row lock, so a cancel and a result never both win.</summary>
internal sealed partial class PostgresJobStore
{
    public async ValueTask<CancelOutcome?> CancelFutureAsync(FutureId id, bool force, CancellationToken cancellationToken)
    {
        var spec = await GetSpecAsync(id.JobId, cancellationToken);
        if (spec is null || (uint)id.Index >= (uint)spec.Count) return null;
        await using var connection = await sources.Durable.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var unit = await LockUnitAsync(connection, id.JobId, spec.Plan.UnitOf(id.Index), fence: null, cancellationToken);
        if (unit is null) return null;
        if (UnitCodec.IsSet(unit.Terminal, id.Index - unit.First))
        {
            var done = (await ReadOutcomeAsync(connection, id, unit.Unit, cancellationToken))?.Outcome.State ?? FutureState.Cancelled;
            return new CancelOutcome(done == FutureState.Cancelled ? CancelResult.AlreadyCancelled : CancelResult.Done, done);
        }
        // Python's Future.cancel(): a running future is not cancelled, unless forced (its worker is killed).
        if (unit.Leased && !force) return new CancelOutcome(CancelResult.Running, FutureState.Running);
        var interrupted = unit.Leased ? new List<int> { id.Index } : [];
        await CancelItemsAsync(connection, unit, id.JobId, [id.Index], interrupted, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        feed.Changed(id.JobId);
        // At once here; the notification carries it to the other nodes (and back here, where a second kill changes nothing).
        cancels.Publish(id.JobId, interrupted);
        return new CancelOutcome(CancelResult.Cancelled, FutureState.Cancelled, WasRunning: unit.Leased);
    }

    public async ValueTask<JobCancelOutcome?> CancelJobAsync(string jobId, bool force, CancellationToken cancellationToken)
    {
        await using var connection = await sources.Durable.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Cancelling a job that has already completed changes nothing, its state included.
        await using (var flag = new NpgsqlCommand($"UPDATE {_s}.jobs SET cancel_requested = true WHERE id = $1 AND completed_at IS NULL", connection))
        {
            flag.Parameters.AddValues(jobId);
            await flag.ExecuteNonQueryAsync(cancellationToken);
        }
        var open = new List<int>();
        await using (var units = new NpgsqlCommand($"SELECT unit FROM {_s}.units WHERE job_id = $1 AND NOT done ORDER BY unit", connection))
        {
            units.Parameters.AddValues(jobId);
            await using var reader = await units.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) open.Add(reader.GetInt32(0));
        }
        var (cancelled, interrupted) = (0, new List<int>());
        foreach (var number in open)
        {
            var unit = await LockUnitAsync(connection, jobId, number, fence: null, cancellationToken);
            if (unit is null || (unit.Leased && !force)) continue;
            var items = Enumerable.Range(unit.First, unit.Count).Where(i => !UnitCodec.IsSet(unit.Terminal, i - unit.First)).ToList();
            var running = unit.Leased ? items : [];
            await CancelItemsAsync(connection, unit, jobId, items, running, cancellationToken);
            cancelled += items.Count;
            interrupted.AddRange(running);
        }
        await transaction.CommitAsync(cancellationToken);
        feed.Changed(jobId);
        cancels.Publish(jobId, interrupted);
        var job = await GetJobAsync(jobId, cancellationToken);
        return job is null ? null : new JobCancelOutcome(cancelled, interrupted, job);
    }

    /// <summary>Cancels items of a locked unit; the ones running are named to the node that runs them (a notification, and its next renewal).</summary>
    private async Task CancelItemsAsync(NpgsqlConnection connection, LockedUnit unit, string jobId, List<int> items, List<int> running, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        using var outcomes = new UnitCodec.OutcomeWriter();
        foreach (var index in items)
        {
            UnitCodec.Set(unit.Terminal, index - unit.First);
            outcomes.Write(index, FutureState.Cancelled, 0, 0, default, null);
        }
        await WriteOutcomesAsync(connection, unit, jobId, outcomes.ToArray(), items.Min(), items.Max(), (0, 0, items.Count), [], running, cancellationToken);
        foreach (var payload in CancelPayload.Format(jobId, running))
        {
            await using var notify = new NpgsqlCommand($"SELECT pg_notify('{PostgresListener.Cancelled}', $1)", connection);
            notify.Parameters.AddValues(payload);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
