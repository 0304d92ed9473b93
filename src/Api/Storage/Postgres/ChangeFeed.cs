namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Where waiters on this node hear that a job changed, on any node: the listener feeds it from
/// PostgreSQL's notifications, and this node's own writes feed it directly. Only jobs someone waits
/// on have a signal; a change to any other job costs one dictionary look-up.
/// </summary>
internal sealed class ChangeFeed
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private long _stamps;

    /// <summary>Units may be ready: a job was added or a unit released, on this node or another.</summary>
    public JobSignal UnitsReady { get; } = new();

    public Watch Subscribe(string jobId)
    {
        lock (_gate)
        {
            if (!_watches.TryGetValue(jobId, out var watch)) _watches[jobId] = watch = new Watch(this, jobId);
            watch.Users++;
            return watch;
        }
    }

    /// <summary>
    /// A change that may have written outcome batches this node's claims did not count: another node's write, a cancel.
    /// A results stream reads the job's units back from the database after one (see <see cref="Watch.Unaccounted"/>).
    /// </summary>
    public void Changed(string jobId) => Pulse(jobId, unaccounted: true);

    /// <summary>A write under one of this node's claims, which counted the batches it wrote (or wrote none).</summary>
    public void ChangedByClaim(string jobId) => Pulse(jobId, unaccounted: false);

    private void Pulse(string jobId, bool unaccounted)
    {
        Watch? watch;
        lock (_gate) _watches.TryGetValue(jobId, out watch);
        if (watch is null) return;
        if (unaccounted) Interlocked.Increment(ref watch.Unaccounted);
        watch.Signal.Pulse();
    }

    /// <summary>A number greater than every one given before: tells which of a watch's start and a claim came first.</summary>
    public long Stamp() => Interlocked.Increment(ref _stamps);

    /// <summary>After the notification connection was lost: nobody knows what was missed, so everyone looks again.</summary>
    public void ChangedAll()
    {
        Watch[] all;
        lock (_gate) all = [.. _watches.Values];
        foreach (var watch in all)
        {
            Interlocked.Increment(ref watch.Unaccounted);
            watch.Signal.Pulse();
        }
        UnitsReady.Pulse();
    }

    /// <summary>One job's signal, shared by everyone on this node waiting on that job.</summary>
    internal sealed class Watch(ChangeFeed owner, string jobId) : IDisposable
    {
        public JobSignal Signal { get; } = new();
        public int Users { get; set; }

        /// <summary>When the watch began (<see cref="Stamp"/>): changes since are counted in <see cref="Unaccounted"/>.</summary>
        public long Began { get; } = owner.Stamp();

        /// <summary>How many changes so far may have written batches that only the database has.</summary>
        public long Unaccounted;

        public void Dispose()
        {
            lock (owner._gate)
                if (--Users == 0) owner._watches.Remove(jobId);
        }
    }
}
