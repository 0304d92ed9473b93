namespace JobService.Api.Storage;

/// <summary>
/// Wakes everyone waiting on a job when any of its futures changes. Costs nothing when nobody
/// waits, which is the hot path: results are recorded far more often than they are awaited.
/// </summary>
public sealed class JobSignal
{
    private TaskCompletionSource? _next;

    public Task NextChange()
    {
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _next, fresh, null) ?? fresh).Task;
    }

    public void Pulse() => Interlocked.Exchange(ref _next, null)?.TrySetResult();
}
