using System.Buffers;

namespace JobService.Api.Jobs;

/// <summary>A byte range of the request body.</summary>
internal readonly record struct Slice(int Offset, int Length);

internal sealed record ParsedCall(string? Function, Slice? Args);

/// <summary><c>POST /jobs</c> as read, before it is checked against the catalog; values stay slices of the body.</summary>
internal sealed class ParsedJob
{
    public string? Type { get; set; }
    public string? Function { get; set; }
    public SliceList? Items { get; set; }
    public Slice? Args { get; set; }
    public List<ParsedCall>? Calls { get; set; }
    public int? Chunksize { get; set; }
    public double? TimeoutSeconds { get; set; }
    public int? Retries { get; set; }
    public string? Queue { get; set; }
}

/// <summary>
/// Byte ranges of the body as two growing int arrays: measured on a million-item map, a list of
/// records per item cost more memory and time than the items themselves. Up to <see cref="PooledLength"/> they grow in
/// arrays of a small pool, and the items keep exact copies: grown by doubling, a 99,999-item map left 0.8 MB of outgrown
/// arrays on the large-object heap per job. A longer list keeps the arrays it grew last, as a pool that held them would
/// hold tens of megabytes between jobs. A job refused before <see cref="ToArguments"/> leaves its arrays to the collector.
/// </summary>
internal sealed class SliceList
{
    private const int PooledLength = 1 << 18;

    private static readonly ArrayPool<int> Pool = ArrayPool<int>.Create(PooledLength, maxArraysPerBucket: 2);

    private int[] _offsets = Pool.Rent(16);
    private int[] _lengths = Pool.Rent(16);

    public int Count { get; private set; }

    public Slice this[int index] => new(_offsets[index], _lengths[index]);

    public void Add(Slice slice)
    {
        if (Count == _offsets.Length)
        {
            _offsets = Grown(_offsets, Count);
            _lengths = Grown(_lengths, Count);
        }
        _offsets[Count] = slice.Offset;
        _lengths[Count++] = slice.Length;
    }

    /// <summary>The items, once: the list gives its arrays back to the pool.</summary>
    public Storage.ItemArguments ToArguments(byte[] body, ushort[]? functionSlots = null)
    {
        if (_offsets.Length > PooledLength) return new(body, _offsets, _lengths, Count, functionSlots);
        var arguments = new Storage.ItemArguments(body, _offsets.AsSpan(0, Count).ToArray(), _lengths.AsSpan(0, Count).ToArray(), Count, functionSlots);
        Pool.Return(_offsets);
        Pool.Return(_lengths);
        (_offsets, _lengths) = ([], []);
        return arguments;
    }

    /// <summary>Twice as long; the outgrown array goes back to the pool (one longer than the pool takes is dropped).</summary>
    private static int[] Grown(int[] array, int count)
    {
        var grown = Pool.Rent(count * 2);
        array.AsSpan(0, count).CopyTo(grown);
        Pool.Return(array);
        return grown;
    }
}
