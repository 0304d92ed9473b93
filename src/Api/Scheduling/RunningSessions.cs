using System.Collections.Concurrent;

namespace JobService.Api.Scheduling;

/// <summary>Which sessions are running which job's items, so a forced cancel can reach the worker running an item.</summary>
internal sealed class RunningSessions
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<WorkerSession, byte>> _byJob = new(StringComparer.Ordinal);

    public IDisposable Register(string jobId, WorkerSession session)
    {
        _byJob.GetOrAdd(jobId, _ => new()).TryAdd(session, 0);
        return new Registration(this, jobId, session);
    }

    public void Interrupt(string jobId, IEnumerable<int> indices)
    {
        if (!_byJob.TryGetValue(jobId, out var sessions)) return;
        foreach (var index in indices)
            foreach (var session in sessions.Keys)
                session.Interrupt(index);
    }

    private sealed class Registration(RunningSessions owner, string jobId, WorkerSession session) : IDisposable
    {
        public void Dispose()
        {
            if (!owner._byJob.TryGetValue(jobId, out var sessions)) return;
            sessions.TryRemove(session, out _);
            if (sessions.IsEmpty) owner._byJob.TryRemove(new KeyValuePair<string, ConcurrentDictionary<WorkerSession, byte>>(jobId, sessions));
        }
    }
}
