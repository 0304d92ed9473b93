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
/// records per item cost more memory and time than the items themselves.
/// </summary>
internal sealed class SliceList
{
    private int[] _offsets = new int[16];
    private int[] _lengths = new int[16];

    public int Count { get; private set; }

    public Slice this[int index] => new(_offsets[index], _lengths[index]);

    public void Add(Slice slice)
    {
        if (Count == _offsets.Length)
        {
            Array.Resize(ref _offsets, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }
        _offsets[Count] = slice.Offset;
        _lengths[Count++] = slice.Length;
    }

    public Storage.ItemArguments ToArguments(byte[] body, ushort[]? functionSlots = null) =>
        new(body, _offsets, _lengths, Count, functionSlots);
}
