using System.Buffers;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// A growing buffer on arrays from the shared pool, for bytes that are copied out once written. Measured on power_sum over
/// 99,999 items: a fresh buffer per outcome batch, grown past 64 KB by doubling, put 1.4 MB per job on the large-object heap,
/// and a PostgreSQL node collected generation 2 about once per job for it.
/// </summary>
internal sealed class PooledBufferWriter(int capacity) : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(capacity);
    private int _written;

    private ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    public void Advance(int count) => _written += count;

    public Span<byte> GetSpan(int sizeHint = 0) => WithRoom(sizeHint).AsSpan(_written);

    public Memory<byte> GetMemory(int sizeHint = 0) => WithRoom(sizeHint).AsMemory(_written);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
    }

    /// <summary>The array, grown first if fewer than <paramref name="sizeHint"/> bytes (at least one) are left after what is written.</summary>
    private byte[] WithRoom(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= needed) return _array;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _written + needed));
        WrittenSpan.CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        return _array = bigger;
    }
}
