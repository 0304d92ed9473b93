using System.Collections.Concurrent;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The outcome batches this node has just committed, kept until a results stream on this node reads them (or for a short
/// while): the stream of a job running here, the common case, then reads its results from memory instead of back from the
/// database. A batch is the same bytes as its committed row, so a stream that finds one here and the next one only in the
/// database (written by another node, or a cancel) reads the same thing either way.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private static readonly TimeSpan LocalBatchLifetime = TimeSpan.FromSeconds(10);

    /// <summary>At most this many bytes of batches are kept; beyond it new ones are only in the database.</summary>
    private const long LocalBatchBytes = 32L * 1024 * 1024;

    /// <summary>
    /// The batches of smaller units (single calls, whose futures are read one by one) are not worth keeping. Every batch of a
    /// larger unit is, its last and smallest too: a stream would otherwise read each unit's tail back from the database.
    /// </summary>
    private const int LocalBatchMinUnitItems = 256;

    private readonly ConcurrentDictionary<(string JobId, int Unit, int Batch), LocalBatch> _localBatches = new();
    private long _localBatchBytes;
    private long _nextBatchSweep;

    /// <summary>Called once the batch's transaction has committed.</summary>
    private void KeepLocalBatch(string jobId, int unit, int batch, byte[] data, int unitItems)
    {
        if (unitItems < LocalBatchMinUnitItems) return;
        var now = clock.GetUtcNow();
        RemoveExpired(_localBatches, ref _nextBatchSweep, now, key => DropLocalBatch(key));
        if (Interlocked.Add(ref _localBatchBytes, data.Length) > LocalBatchBytes || !_localBatches.TryAdd((jobId, unit, batch), new LocalBatch(data, now + LocalBatchLifetime)))
            Interlocked.Add(ref _localBatchBytes, -data.Length);
    }

    /// <summary>The batch, if this node still keeps it; a batch is handed out once.</summary>
    private byte[]? TakeLocalBatch(string jobId, int unit, int batch) =>
        DropLocalBatch((jobId, unit, batch)) is { } entry ? entry.Data : null;

    private LocalBatch? DropLocalBatch((string, int, int) key)
    {
        if (!_localBatches.TryRemove(key, out var entry)) return null;
        Interlocked.Add(ref _localBatchBytes, -entry.Data.Length);
        return entry;
    }

    private sealed record LocalBatch(byte[] Data, DateTimeOffset Expires) : IExpiring;
}
