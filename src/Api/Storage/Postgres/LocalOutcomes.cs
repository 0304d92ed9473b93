using System.Buffers;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// A committed batch's outcomes as a results stream reads them, kept instead of the batch's bytes so that a stream on this
/// node need not decode what this node has just encoded (measured on power_sum over 99,999 items: decoding took 8 ms of the API's
/// CPU per job, copying while encoding under 1 ms). Results are copied out of the workers' frames into small blocks of
/// their own, so a batch kept here holds on to no frame.
/// </summary>
internal sealed class LocalOutcomes : IDisposable
{
    /// <summary>Blocks of this size stay off the large-object heap.</summary>
    private const int TextBlockBytes = 16 * 1024;

    private readonly ResultEntry[] _entries;
    private byte[] _text = [];
    private int _used;

    public LocalOutcomes(int capacity) => _entries = ArrayPool<ResultEntry>.Shared.Rent(capacity);

    public int Count { get; private set; }

    public ReadOnlySpan<ResultEntry> Entries => _entries.AsSpan(0, Count);

    public void Add(int index, FutureState state, ReadOnlySpan<byte> result, FutureError? error)
    {
        ReadOnlyMemory<byte> copy = default;
        if (!result.IsEmpty)
        {
            if (_text.Length - _used < result.Length) (_text, _used) = (new byte[Math.Max(TextBlockBytes, result.Length)], 0);
            result.CopyTo(_text.AsSpan(_used));
            copy = _text.AsMemory(_used, result.Length);
            _used += result.Length;
        }
        _entries[Count++] = new ResultEntry(index, state, copy, error);
    }

    /// <summary>Cleared on the way back: the entries hold the blocks and errors. A batch kept is handed out once, so disposed once.</summary>
    public void Dispose() => ArrayPool<ResultEntry>.Shared.Return(_entries, clearArray: true);
}
