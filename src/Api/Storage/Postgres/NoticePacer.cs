namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Paces what this node tells other nodes: that jobs changed, that units are ready. PostgreSQL wakes every listening
/// connection of the database for each notification, whatever its channel (each node's listener, Hangfire's
/// long-polling fetchers), and each wake-up costs context switches on both sides, which this VM makes dear: measured on
/// goal 5's single-call submits, notifications were 4 of the database's 9 context switches per submit. With more nodes it
/// grows with their square: each node's notifications wake every node's listener.
/// <para>
/// So a write carries a notification only when this node has sent none for <see cref="NodeSpacing"/>, and then it also
/// names what earlier writes owe; a write in between owes its notice to the next one. When no write comes to carry them,
/// a timer sends what is owed after <see cref="JobSpacing"/>. A job's batches that do not end a unit are announced at most
/// once per <see cref="JobSpacing"/> (a 100,000-item map that notified each of its 32 batches cost 11 % more database CPU).
/// Another node's waiter hears of a change up to that much later; this node's own waiters are woken by each write.
/// </para>
/// </summary>
internal sealed class NoticePacer : IDisposable
{
    public static readonly TimeSpan NodeSpacing = TimeSpan.FromMilliseconds(25);
    public static readonly TimeSpan JobSpacing = TimeSpan.FromMilliseconds(50);

    /// <summary>PostgreSQL caps a payload near 8,000 bytes: this many job IDs (24 characters and a comma each) fit with room to spare.</summary>
    private const int MaxSubjects = 250;

    private readonly Func<OwedNotices, Task> _send;
    private readonly TimeProvider _clock;
    private readonly ITimer _fallback;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _jobAnnounced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _jobsOwed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _queuesOwed = new(StringComparer.Ordinal);
    private long _nodeAnnounced = long.MinValue / 2;
    private long _nextSweep;
    private bool _armed;

    public NoticePacer(Func<OwedNotices, Task> send, TimeProvider clock)
    {
        (_send, _clock) = (send, clock);
        _fallback = clock.CreateTimer(_ => _ = SendOwedAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The jobs the notification of a write about to change <paramref name="jobId"/> names: it, and the jobs owed a notice
    /// by then; or null when the write sends none (then <see cref="JobChangeOwed"/> once it has committed).
    /// </summary>
    public IReadOnlyList<string>? JobChangeTurn(string jobId, bool endsUnit)
    {
        var now = Now;
        lock (_gate)
        {
            if (!endsUnit && _jobAnnounced.TryGetValue(jobId, out var last) && now - last < JobSpacing.Ticks) return null;
            if (!TakeTurnLocked(now)) return null;
            // The batches owed a notification have committed already: this one's, sent at its commit, covers them.
            _jobsOwed.Remove(jobId);
            var named = TakeDueJobsLocked(now, MaxSubjects - 1);
            named.Add(jobId);
            _jobAnnounced[jobId] = now;
            return named;
        }
    }

    /// <summary>
    /// A write that changed <paramref name="jobId"/> without a notification has committed: a later one names it. Also for each
    /// job a write that took a turn named, when it did not commit (as <paramref name="endsUnit"/>: they were due then).
    /// </summary>
    public void JobChangeOwed(string jobId, bool endsUnit)
    {
        var now = Now;
        lock (_gate)
        {
            var due = !endsUnit && _jobAnnounced.TryGetValue(jobId, out var last) ? last + JobSpacing.Ticks : now;
            _jobsOwed[jobId] = _jobsOwed.TryGetValue(jobId, out var owed) ? Math.Min(owed, due) : due;
            ArmLocked();
        }
    }

    /// <summary>The queues the notification of a write about to make units of <paramref name="queues"/> ready names, or null.</summary>
    public IReadOnlyList<string>? UnitsReadyTurn(IReadOnlyCollection<string> queues)
    {
        lock (_gate)
        {
            if (!TakeTurnLocked(Now)) return null;
            _queuesOwed.UnionWith(queues);
            var named = _queuesOwed.ToList();
            _queuesOwed.Clear();
            return named;
        }
    }

    /// <summary>Units of <paramref name="queues"/> were made ready by a committed write without a notification (or by one that named them and did not commit).</summary>
    public void UnitsReadyOwed(IEnumerable<string> queues)
    {
        lock (_gate)
        {
            _queuesOwed.UnionWith(queues);
            ArmLocked();
        }
    }

    public void Dispose() => _fallback.Dispose();

    private long Now => _clock.GetUtcNow().UtcTicks;

    private bool TakeTurnLocked(long now)
    {
        if (now - _nodeAnnounced < NodeSpacing.Ticks) return false;
        _nodeAnnounced = now;
        if (now < _nextSweep) return true;
        // A job announced longer than its spacing ago holds nothing back any more.
        _nextSweep = now + JobSpacing.Ticks;
        foreach (var (jobId, last) in _jobAnnounced)
            if (now - last >= JobSpacing.Ticks) _jobAnnounced.Remove(jobId);
        return true;
    }

    private List<string> TakeDueJobsLocked(long now, int max)
    {
        var due = new List<string>();
        foreach (var (jobId, at) in _jobsOwed)
        {
            if (due.Count == max) break;
            if (at <= now) due.Add(jobId);
        }
        foreach (var jobId in due)
        {
            _jobsOwed.Remove(jobId);
            _jobAnnounced[jobId] = now;
        }
        return due;
    }

    /// <summary>
    /// The timer is a fallback, for when no write comes along to carry what is owed: set once, not per write, because
    /// every short timer set wakes the runtime's timer thread twice.
    /// </summary>
    private void ArmLocked(TimeSpan? delay = null)
    {
        if (_armed) return;
        _armed = true;
        _fallback.Change(delay ?? JobSpacing, Timeout.InfiniteTimeSpan);
    }

    private async Task SendOwedAsync()
    {
        OwedNotices owed;
        lock (_gate)
        {
            _armed = false;
            var now = Now;
            if (_jobsOwed.Count == 0 && _queuesOwed.Count == 0) return;
            if (!TakeTurnLocked(now))
            {
                ArmLocked(NodeSpacing);
                return;
            }
            owed = new OwedNotices(TakeDueJobsLocked(now, int.MaxValue), [.. _queuesOwed]);
            _queuesOwed.Clear();
            // Jobs whose spacing has not passed yet, if any, wait for the next write or the next round.
            if (_jobsOwed.Count > 0) ArmLocked(JobSpacing);
        }
        try
        {
            await _send(owed);
        }
        catch (Exception)
        {
            // The database is unreachable: other nodes' waiters find the changes at their safety poll.
        }
    }

    /// <summary>The subjects of one notification: as many as fit in a payload.</summary>
    public static IEnumerable<string[]> Payloads(IReadOnlyList<string> subjects) => subjects.Chunk(MaxSubjects);
}

/// <summary>What one notification round tells other nodes: these jobs changed, these queues have ready units.</summary>
internal sealed record OwedNotices(IReadOnlyList<string> ChangedJobs, IReadOnlyList<string> ReadyQueues);
