using System.Collections.Concurrent;
using JobService.Api.Storage;

namespace JobService.Api.Scheduling;

/// <summary>
/// The sessions running right now (at most one per worker), so a forced cancel can reach the worker
/// running an item, whichever node the cancel was sent to. So few that finding a job's sessions by
/// looking at each is cheapest.
/// </summary>
internal sealed class RunningSessions
{
    private readonly ConcurrentDictionary<WorkerSession, byte> _sessions = new();

    public RunningSessions(CancelSignals cancels) => cancels.Cancelled += Interrupt;

    public IDisposable Register(WorkerSession session)
    {
        _sessions.TryAdd(session, 0);
        return new Registration(this, session);
    }

    public void Interrupt(string jobId, IEnumerable<int> indices)
    {
        var sessions = _sessions.Keys.Where(s => s.JobId == jobId).ToArray();
        if (sessions.Length == 0) return;
        foreach (var index in indices)
            foreach (var session in sessions)
                session.Interrupt(index);
    }

    private sealed class Registration(RunningSessions owner, WorkerSession session) : IDisposable
    {
        public void Dispose() => owner._sessions.TryRemove(session, out _);
    }
}
