namespace JobService.Api.Storage;

/// <summary>
/// Everything a job is at creation and never changes but its items: what to call, how it is cut up.
/// Small enough to read on every request; the items are read a unit at a time (<see cref="UnitClaim"/>).
/// <see cref="Owner"/> is the name of the API key that created it (null while the service runs without keys);
/// <see cref="TraceParent"/> the W3C trace context of the request that created it, so its units join that trace.
/// </summary>
public sealed record JobSpec(
    string Id,
    JobType Type,
    IReadOnlyList<string> Functions,
    int Count,
    bool Spread,
    JobPlan Plan,
    JobOptions Options,
    DateTimeOffset CreatedAt,
    string? Owner = null,
    string? TraceParent = null);

/// <summary>A job as accepted: its spec and its items, slices of the request body kept as the client sent them.</summary>
public sealed record NewJob(JobSpec Spec, ItemArguments Items);

/// <summary>The per-item limits a client chose for a job.</summary>
public sealed record JobOptions(double? TimeoutSeconds, int Retries, string Queue);

/// <summary>How a job's items are cut: chunks are what one frame carries, units what one claim runs.</summary>
public sealed record JobPlan(int Chunksize, int Chunks, int ChunksPerUnit)
{
    public int Units => Chunks == 0 ? 0 : (Chunks + ChunksPerUnit - 1) / ChunksPerUnit;

    public int UnitSize => (int)Math.Min(int.MaxValue, (long)ChunksPerUnit * Chunksize);

    public (int First, int Count) UnitRange(int unit, int itemCount)
    {
        var first = (long)unit * ChunksPerUnit * Chunksize;
        var end = Math.Min(itemCount, first + (long)ChunksPerUnit * Chunksize);
        return ((int)first, (int)Math.Max(0, end - first));
    }

    public int UnitOf(int index) => index / UnitSize;
}
