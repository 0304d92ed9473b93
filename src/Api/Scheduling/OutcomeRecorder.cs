using System.Buffers;
using JobService.Api.Storage;
using JobService.Api.Telemetry;

namespace JobService.Api.Scheduling;

/// <summary>
/// Hands a send's outcomes to the store in batches, in order, one write at a time, while the session reads on.
/// A batch goes when the previous write has finished or the buffer is full (group commit): batches grow with the
/// store's latency. Measured on a million-item map on PostgreSQL: a write per read of the pipe cost more than the items.
/// Its two buffers (160 KB each for a full batch) are pooled: a pair per send on the large-object heap, with the other
/// buffers of a send, made a PostgreSQL node collect generation 2 about twice per 100,000-item map.
/// </summary>
internal sealed class OutcomeRecorder(IJobStore store, UnitClaim claim, int capacity, JobLifecycle lifecycle, UnitTally tally)
{
    private readonly ItemOutcome[][] _buffers = [ArrayPool<ItemOutcome>.Shared.Rent(capacity), ArrayPool<ItemOutcome>.Shared.Rent(capacity)];
    private int _filling;
    private int _count;
    private Task _writing = Task.CompletedTask;

    /// <summary>How many more outcomes fit before the batch must go.</summary>
    public int Room => capacity - _count;

    public void Add(in ItemOutcome outcome) => _buffers[_filling][_count++] = outcome;

    /// <summary>Sends the batch unless a write is still under way and there is room to gather more behind it.</summary>
    public Task FlushIfIdleAsync() => _writing.IsCompleted || _count == capacity ? FlushAsync() : Task.CompletedTask;

    public async Task FlushAsync()
    {
        if (_count == 0) return;
        await _writing;
        var batch = _buffers[_filling].AsMemory(0, _count);
        lifecycle.Recording(claim, batch.Span, tally);
        _writing = RecordAsync(batch);
        _filling ^= 1;
        _count = 0;
    }

    private async Task RecordAsync(ReadOnlyMemory<ItemOutcome> batch) =>
        await lifecycle.RecordedAsync(claim, batch, await store.RecordAsync(claim, batch, CancellationToken.None));

    /// <summary>Everything added is recorded; then the buffers go back to the pool (no write is under way any more).</summary>
    public async Task CompleteAsync()
    {
        try
        {
            await FlushAsync();
            await _writing;
        }
        finally
        {
            // Cleared on the way back: outcomes hold their results' bytes.
            foreach (var buffer in _buffers) ArrayPool<ItemOutcome>.Shared.Return(buffer, clearArray: true);
        }
    }
}
