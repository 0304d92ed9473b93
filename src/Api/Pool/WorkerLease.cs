namespace JobService.Api.Pool;

/// <summary>One worker, held by one chunk runner until disposed; then it goes back to the pool or is replaced.</summary>
public sealed class WorkerLease(WorkerPool pool, WorkerProcess worker) : IDisposable
{
    private string? _retireReason;

    public WorkerProcess Worker => worker;

    /// <summary>The worker is not to be reused (it died, was killed, or its stream can no longer be trusted).</summary>
    public void Retire(string reason) => _retireReason ??= reason;

    public void Dispose() => pool.Return(worker, _retireReason);
}
