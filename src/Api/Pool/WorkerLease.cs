namespace JobService.Api.Pool;

/// <summary>One worker, held by one chunk runner until disposed; then it goes back to the pool or is replaced.</summary>
public sealed class WorkerLease(WorkerPool pool, WorkerProcess worker) : IDisposable
{
    private WorkerRetirement? _retirement;

    public WorkerProcess Worker => worker;

    /// <summary>
    /// The worker is not to be reused (it died, was killed, or its stream can no longer be trusted): <paramref name="cause"/>
    /// is a word for metrics (<c>crashed</c>, <c>timed_out</c>…), <paramref name="reason"/> the sentence for the log.
    /// </summary>
    public void Retire(string cause, string reason) => _retirement ??= new WorkerRetirement(cause, reason);

    public void Dispose() => pool.Return(worker, _retirement);
}

/// <summary>Why a worker leaves the pool.</summary>
public sealed record WorkerRetirement(string Cause, string Reason);
