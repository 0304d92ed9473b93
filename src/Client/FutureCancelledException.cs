namespace JobService.Client;

/// <summary>The future was cancelled (Python's <c>CancelledError</c>): it has no result and never will.</summary>
public sealed class FutureCancelledException(string futureId)
    : OperationCanceledException($"future {futureId} was cancelled")
{
    public string FutureId { get; } = futureId;
}
