namespace JobService.Api.Storage;

/// <summary>
/// How many of this node's drainers are waiting for units right now, each with a worker free to take one: a store may
/// hand a new job's first units straight to them (see <c>PostgresJobStore.Handoff</c>).
/// </summary>
public sealed class IdleDrainers
{
    private int _count;

    public int Count => Math.Max(0, Volatile.Read(ref _count));

    /// <summary>Counts the caller as idle until the returned scope ends.</summary>
    public Scope Waiting()
    {
        Interlocked.Increment(ref _count);
        return new Scope(this);
    }

    public readonly struct Scope(IdleDrainers idle) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref idle._count);
    }
}
