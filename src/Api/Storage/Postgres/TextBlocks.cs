namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Results written out one after another into blocks of 16 KB, each result a slice of one block: a batch's thousands of
/// results cost a few arrays, all off the large-object heap (a result longer than a block gets one of its own).
/// </summary>
internal sealed class TextBlocks
{
    private const int BlockBytes = 16 * 1024;

    private byte[] _block = [];
    private int _used;

    /// <summary>At least <paramref name="length"/> free bytes to write a result into; <see cref="Take"/> then keeps what was written.</summary>
    public Span<byte> Room(int length)
    {
        if (_block.Length - _used < length) (_block, _used) = (new byte[Math.Max(BlockBytes, length)], 0);
        return _block.AsSpan(_used);
    }

    /// <summary>The <paramref name="length"/> bytes just written into <see cref="Room"/>.</summary>
    public ReadOnlyMemory<byte> Take(int length)
    {
        var result = _block.AsMemory(_used, length);
        _used += length;
        return result;
    }

    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> text)
    {
        text.CopyTo(Room(text.Length));
        return Take(text.Length);
    }
}
