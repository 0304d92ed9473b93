namespace JobService.Api.Storage;

public enum OutcomeKind : byte
{
    /// <summary>The function returned; <see cref="ItemOutcome.Result"/> holds its JSON.</summary>
    Finished,
    /// <summary>The function raised, or the item's last allowed attempt crashed or timed out.</summary>
    Failed,
    /// <summary>The attempt crashed or timed out and retries remain: the item stays running and is re-run.</summary>
    Retrying,
}

/// <summary>What one attempt at one item came to, as the chunk runner reports it to the store.</summary>
public readonly record struct ItemOutcome(
    int Index,
    OutcomeKind Kind,
    ReadOnlyMemory<byte> Result,
    FutureError? Error,
    int WorkerPid,
    int ElapsedMicros);

public enum CancelResult
{
    Cancelled,
    AlreadyCancelled,
    Running,
    Done,
}

/// <param name="WasRunning">A forced cancel hit a running item: its worker must be interrupted.</param>
public sealed record CancelOutcome(CancelResult Result, FutureState State, bool WasRunning = false);

public sealed record JobCancelOutcome(int Cancelled, IReadOnlyList<int> Interrupted, JobSummary Job);
