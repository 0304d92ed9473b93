using System.Collections.Concurrent;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The items of jobs this node accepted, kept in memory until their units have been claimed here (or for a short while):
/// a claim on the node that took the job, the common case, then reads no arguments back from the database. A claim on
/// another node, or once the entry is gone, reads them from the unit's row as before.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private static readonly TimeSpan LocalItemsLifetime = TimeSpan.FromSeconds(30);

    /// <summary>Smaller jobs' arguments cost little to read back; every claim names the kept jobs, so few are kept.</summary>
    private const int LocalItemsMinCount = 1024;

    private long _nextItemsSweep;

    private readonly ConcurrentDictionary<string, LocalItems> _localItems = new(StringComparer.Ordinal);

    private void KeepLocalItems(NewJob job)
    {
        if (job.Spec.Count < LocalItemsMinCount) return;
        var now = clock.GetUtcNow();
        if (SweepDue(ref _nextItemsSweep, now))
            foreach (var (jobId, entry) in _localItems)
                if (entry.Expires < now) _localItems.TryRemove(jobId, out _);
        _localItems[job.Spec.Id] = new LocalItems(job.Items, job.Spec.Plan.Units, now + LocalItemsLifetime);
    }

    /// <summary>Whether a second has passed since the last look for expired entries (<paramref name="next"/>): one thread looks.</summary>
    private static bool SweepDue(ref long next, DateTimeOffset now)
    {
        var due = Volatile.Read(ref next);
        return now.UtcTicks >= due && Interlocked.CompareExchange(ref next, now.UtcTicks + TimeSpan.TicksPerSecond, due) == due;
    }

    /// <summary>The jobs whose arguments a claim need not return.</summary>
    private string[] LocalItemJobs() => _localItems.IsEmpty ? [] : _localItems.Keys.ToArray();

    /// <summary>A claimed unit's items from memory; null when they are no longer kept (the caller reads them).</summary>
    private UnitItems? TakeLocalItems(string jobId)
    {
        if (!_localItems.TryGetValue(jobId, out var entry)) return null;
        if (Interlocked.Decrement(ref entry.UnitsLeft) <= 0) _localItems.TryRemove(jobId, out _);
        // The job's own items, indexed by the job's item index: the unit's range is part of them.
        return new UnitItems(0, entry.Items);
    }

    private sealed class LocalItems(ItemArguments items, int units, DateTimeOffset expires)
    {
        public ItemArguments Items => items;
        public DateTimeOffset Expires => expires;
        public int UnitsLeft = units;
    }
}
