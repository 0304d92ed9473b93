using JobService.Api.Storage;

namespace JobService.Api.Scheduling;

/// <summary>
/// The drainers of this node that are lingering for work, each with a hand held out. A new job's intake reserves some
/// of them before it stores the job and gives each one a unit leased in the job's own commit, so the unit starts while
/// that commit is under way instead of after it, a wake-up and a claim later. A drainer is reserved by one intake only.
/// </summary>
public sealed class IdleDrainers
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource<UnitClaim?>> _waiting = [];

    /// <summary>Reserves up to <paramref name="max"/> lingering drainers; each gets a unit or nothing from <see cref="Hands.Give"/>.</summary>
    public Hands Reserve(int max)
    {
        if (max <= 0) return Hands.None;
        var reserved = new List<TaskCompletionSource<UnitClaim?>>();
        lock (_gate)
        {
            // The most recently idle first: the others' linger runs out sooner, and their Hangfire workers are freed.
            while (reserved.Count < max && _waiting.Last is { } last)
            {
                reserved.Add(last.Value);
                _waiting.RemoveLast();
            }
        }
        return new Hands(reserved);
    }

    /// <summary>
    /// Lingers until <paramref name="ready"/> completes, <paramref name="timeout"/> passes, or an intake hands this drainer a
    /// unit (returned). A drainer reserved meanwhile waits for its hand even when cancelled: the unit it gets is leased to
    /// this node, and its caller releases it.
    /// </summary>
    public async Task<UnitClaim?> WaitAsync(Task ready, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        var hand = new TaskCompletionSource<UnitClaim?>(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource<UnitClaim?>> node;
        lock (_gate) node = _waiting.AddLast(hand);
        try
        {
            await Task.WhenAny(ready, hand.Task).OrTimeoutAsync(timeout, clock, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: unless reserved (below), the cancellation goes on to the caller.
        }
        bool reserved;
        lock (_gate)
        {
            reserved = node.List is null;
            if (!reserved) _waiting.Remove(node);
        }
        // Only a reserved hand is ever given; the intake gives within moments (it has only the job's units to pack first).
        if (reserved) return await hand.Task;
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>Reserved drainers; each one not given a unit is woken with nothing when the hands are disposed.</summary>
    public sealed class Hands(List<TaskCompletionSource<UnitClaim?>> reserved) : IDisposable
    {
        public static readonly Hands None = new([]);

        public int Count => reserved.Count;

        public void Give(IReadOnlyList<UnitClaim> claims)
        {
            for (var i = 0; i < reserved.Count; i++) reserved[i].TrySetResult(i < claims.Count ? claims[i] : null);
        }

        public void Dispose() => Give([]);
    }
}
