using System.Buffers;
using System.Runtime.CompilerServices;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The results stream: outcomes are read a unit at a time, only the batches not read yet, so a million
/// results cost about a thousand rows and never sit in memory all at once.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private const int EntryBatch = 512;

    public async IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> ReadResultsAsync(
        string jobId, ResultOrder order, int offset, int limit, DateTimeOffset deadline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var spec = await GetSpecAsync(jobId, cancellationToken);
        if (spec is null) yield break;
        using var watch = feed.Subscribe(jobId);
        var batches = order == ResultOrder.Submitted
            ? InItemOrderAsync(spec, watch, offset, limit, deadline, cancellationToken)
            : InCompletionOrderAsync(spec, watch, offset, limit, deadline, cancellationToken);
        await foreach (var batch in batches) yield return batch;
    }

    private async IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> InItemOrderAsync(
        JobSpec spec, ChangeFeed.Watch watch, int offset, int limit, DateTimeOffset deadline, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = (int)Math.Min(spec.Count, (long)offset + limit);
        var batch = new ResultEntry[EntryBatch];
        for (var position = offset; position < end;)
        {
            using var unit = new UnitResults(spec, spec.Plan.UnitOf(position));
            var unitEnd = Math.Min(end, unit.First + unit.Count);
            while (position < unitEnd)
            {
                var change = watch.Signal.NextChange();
                // What was read already is given out before the store is asked for more.
                if (!unit.Entries[position - unit.First].State.IsTerminal()) await ReadNewBatchesAsync(unit, watch, position, cancellationToken);
                var count = 0;
                while (position < unitEnd && count < batch.Length && unit.Entries[position - unit.First].State.IsTerminal())
                    batch[count++] = unit.Entries[position++ - unit.First];
                if (count == 0)
                {
                    if (await WaitForChangeAsync(change, deadline, cancellationToken))
                    {
                        // Woken by the safety poll, not a change: a notification may have been missed, so the database is asked again.
                        if (!change.IsCompleted) unit.UnaccountedRead = UnitResults.AskAgain;
                        continue;
                    }
                    // Past the deadline, unfinished items are listed as they are.
                    var running = await IsRunningAsync(unit, cancellationToken);
                    while (position < unitEnd && count < batch.Length) batch[count++] = unit.Unfinished(position++, running);
                }
                yield return batch.AsMemory(0, count);
            }
        }
    }

    /// <summary>
    /// Appends the unit's outcomes recorded since the last look: the batches this node keeps first, then, unless those gave
    /// the outcome of item <paramref name="wanted"/>, the database's (the rest is read when the stream next lacks an outcome).
    /// The database is not asked when it cannot have more: this node holds the unit, every batch its claim counted has been
    /// read, and no change since the last look may have written others (a cancel, another node). Measured on 100,000-item
    /// maps, a stream woken by each batch of every unit of its job otherwise read its own unit back about 20 times per job, and
    /// with each unit read once when the stream reached it, 5 to 7 times.
    /// </summary>
    private async Task ReadNewBatchesAsync(UnitResults unit, ChangeFeed.Watch watch, int wanted, CancellationToken cancellationToken)
    {
        while (TakeLocalBatch(unit.JobId, unit.Unit, unit.NextBatch) is { } local)
        {
            unit.NextBatch++;
            if (local.Outcomes is not { } outcomes) Append(unit, local.Data!, UnitCodec.CurrentFormat);
            else using (outcomes) foreach (var entry in outcomes.Entries) unit.Entries[entry.Index - unit.First] = entry;
        }
        if (unit.Entries[wanted - unit.First].State.IsTerminal()) return;
        var unaccounted = Interlocked.Read(ref watch.Unaccounted);
        var claim = LatestClaim(unit.JobId, unit.Unit);
        // A unit claimed here after the watch began is as if read then: the claim counted every batch written before it, and
        // every change since that may have written others is counted by the watch.
        if (unit.UnaccountedRead is null && claim?.ClaimedAt > watch.Began) unit.UnaccountedRead = 0;
        if (unit.UnaccountedRead == unaccounted && claim?.Batches == unit.NextBatch) return;
        unit.UnaccountedRead = unaccounted;
        await using var command = dataSource.CreateCommand(
            $"SELECT r.batch, r.data, r.format FROM {_s}.results r WHERE r.job_id = $1 AND r.unit = $2 AND r.batch >= $3 ORDER BY r.batch");
        command.Parameters.AddValues(unit.JobId, unit.Unit, unit.NextBatch);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            unit.NextBatch = reader.GetInt32(0) + 1;
            Append(unit, reader.GetFieldValue<byte[]>(1), reader.GetInt16(2));
        }
    }

    private static void Append(UnitResults unit, byte[] data, short format)
    {
        foreach (var outcome in UnitCodec.Read(data, format))
            unit.Entries[outcome.Index - unit.First] = new ResultEntry(outcome.Index, outcome.State, outcome.Result, outcome.Error);
    }

    /// <summary>Whether the unit is <see cref="RunningUnit"/>: its unfinished items are running, else pending.</summary>
    private async Task<bool> IsRunningAsync(UnitResults unit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {RunningUnit} FROM {_s}.units u WHERE u.job_id = $1 AND u.unit = $2");
        command.Parameters.AddValues(unit.JobId, unit.Unit);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// What is known of one unit's outcomes while its results are streamed. Its entries are pooled: a fresh array per unit
    /// (400 KB for 12,500 items) would be on the large-object heap, which is collected only with generation 2.
    /// </summary>
    private sealed class UnitResults : IDisposable
    {
        public UnitResults(JobSpec spec, int unit)
        {
            (JobId, Unit) = (spec.Id, unit);
            (First, Count) = spec.Plan.UnitRange(unit, spec.Count);
            Entries = ArrayPool<ResultEntry>.Shared.Rent(Count);
            for (var k = 0; k < Count; k++) Entries[k] = new ResultEntry(First + k, FutureState.Pending, default, null);
        }

        public string JobId { get; }
        public int Unit { get; }
        public int First { get; }
        public int Count { get; }
        public ResultEntry[] Entries { get; }
        public int NextBatch { get; set; }

        /// <summary><see cref="ChangeFeed.Watch.Unaccounted"/> when the database was last asked; null before the first time.</summary>
        public long? UnaccountedRead { get; set; }

        /// <summary>An <see cref="UnaccountedRead"/> that matches no count: the database is asked at the next look.</summary>
        public const long AskAgain = -1;

        public ResultEntry Unfinished(int index, bool running) => Entries[index - First] is var entry && entry.State.IsTerminal()
            ? entry
            : entry with { State = running ? FutureState.Running : FutureState.Pending };

        /// <summary>Cleared on the way back: the entries hold the batches' bytes.</summary>
        public void Dispose() => ArrayPool<ResultEntry>.Shared.Return(Entries, clearArray: true);
    }
}
