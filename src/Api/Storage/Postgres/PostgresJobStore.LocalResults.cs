using System.Collections.Concurrent;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The outcome batches this node has just committed, kept until a results stream on this node reads them (or for a short
/// while): the stream of a job running here, the common case, then reads its results from memory instead of back from the
/// database. A batch is kept as its outcomes (<see cref="LocalOutcomes"/>) while they fit a small budget, else as the bytes
/// of its committed row, so a stream that finds one here and the next one only in the database (written by another node,
/// or a cancel) reads the same thing either way.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private static readonly TimeSpan LocalBatchLifetime = TimeSpan.FromSeconds(10);

    /// <summary>At most this many bytes of batches are kept; beyond it new ones are only in the database.</summary>
    private const long LocalBatchBytes = 32L * 1024 * 1024;

    /// <summary>
    /// At most this many outcomes are kept as such (about 50 bytes each with a power_sum result): a stream reads a batch soon
    /// after it is written, and a job's stream that lags (a million-item map, a slow client) costs its bytes, not 16 times more.
    /// </summary>
    private const int LocalOutcomesBudget = 64 * 1024;

    /// <summary>
    /// The batches of smaller units (single calls, whose futures are read one by one) are not worth keeping. Every batch of a
    /// larger unit is, its last and smallest too: a stream would otherwise read each unit's tail back from the database.
    /// </summary>
    private const int LocalBatchMinUnitItems = 256;

    private readonly ConcurrentDictionary<(string JobId, int Unit, int Batch), LocalBatch> _localBatches = new();
    private long _localBatchBytes;
    private int _localOutcomes;
    private long _nextBatchSweep;

    /// <summary>What to copy a batch's outcomes into while it is encoded: null when it would not be kept.</summary>
    private LocalOutcomes? NewLocalOutcomes(int unitItems, int outcomes) =>
        unitItems >= LocalBatchMinUnitItems && Volatile.Read(ref _localOutcomes) + outcomes <= LocalOutcomesBudget ? new LocalOutcomes(outcomes) : null;

    /// <summary>Called once the batch's transaction has committed; takes <paramref name="outcomes"/> over.</summary>
    private void KeepLocalBatch(string jobId, int unit, int batch, byte[] data, LocalOutcomes? outcomes, int unitItems)
    {
        if (unitItems < LocalBatchMinUnitItems)
        {
            outcomes?.Dispose();
            return;
        }
        var now = clock.GetUtcNow();
        RemoveExpired(_localBatches, ref _nextBatchSweep, now, key => DropLocalBatch(key)?.Outcomes?.Dispose());
        if (outcomes is not null && Interlocked.Add(ref _localOutcomes, outcomes.Count) > LocalOutcomesBudget)
        {
            Interlocked.Add(ref _localOutcomes, -outcomes.Count);
            outcomes.Dispose();
            outcomes = null;
        }
        var entry = outcomes is not null ? new LocalBatch(null, outcomes, now + LocalBatchLifetime) : new LocalBatch(data, null, now + LocalBatchLifetime);
        if (Interlocked.Add(ref _localBatchBytes, entry.Bytes) <= LocalBatchBytes && _localBatches.TryAdd((jobId, unit, batch), entry)) return;
        Interlocked.Add(ref _localBatchBytes, -entry.Bytes);
        Interlocked.Add(ref _localOutcomes, -entry.Count);
        outcomes?.Dispose();
    }

    /// <summary>The batch, if this node still keeps it; a batch is handed out once, and its taker disposes its outcomes.</summary>
    private LocalBatch? TakeLocalBatch(string jobId, int unit, int batch) => DropLocalBatch((jobId, unit, batch));

    private LocalBatch? DropLocalBatch((string, int, int) key)
    {
        if (!_localBatches.TryRemove(key, out var entry)) return null;
        Interlocked.Add(ref _localBatchBytes, -entry.Bytes);
        Interlocked.Add(ref _localOutcomes, -entry.Count);
        return entry;
    }

    /// <summary>One of <paramref name="Data"/> (the row's bytes) and <paramref name="Outcomes"/>.</summary>
    private sealed record LocalBatch(byte[]? Data, LocalOutcomes? Outcomes, DateTimeOffset Expires) : IExpiring
    {
        public long Bytes => Data?.Length ?? 0;
        public int Count => Outcomes?.Count ?? 0;
    }
}
