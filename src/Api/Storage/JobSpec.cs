namespace JobService.Api.Storage;

/// <summary>
/// Everything a job is at creation and never changes: what to call, on what, how it is cut up.
/// Items are slices of the request body, kept as the client sent them.
/// </summary>
public sealed record JobSpec(
    string Id,
    JobType Type,
    IReadOnlyList<string> Functions,
    ItemArguments Items,
    bool Spread,
    JobPlan Plan,
    JobOptions Options,
    DateTimeOffset CreatedAt)
{
    public int Count => Items.Count;

    /// <summary>The function of item <paramref name="index"/>: its slot in <see cref="Functions"/>.</summary>
    public ushort FunctionSlot(int index) => Items.FunctionSlot(index);
}

/// <summary>The per-item limits a client chose for a job.</summary>
public sealed record JobOptions(double? TimeoutSeconds, int Retries, string Queue);

/// <summary>How a job's items are cut: chunks are what one frame carries, units what one Hangfire job runs.</summary>
public sealed record JobPlan(int Chunksize, int Chunks, int ChunksPerUnit)
{
    public int Units => Chunks == 0 ? 0 : (Chunks + ChunksPerUnit - 1) / ChunksPerUnit;

    public (int First, int Count) UnitRange(int unit, int itemCount)
    {
        var first = (long)unit * ChunksPerUnit * Chunksize;
        var end = Math.Min(itemCount, first + (long)ChunksPerUnit * Chunksize);
        return ((int)first, (int)Math.Max(0, end - first));
    }
}
