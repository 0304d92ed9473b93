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

    private static readonly IReadOnlyDictionary<string, LocalItems> NoLocalItems = new Dictionary<string, LocalItems>();

    private readonly ConcurrentDictionary<string, LocalItems> _localItems = new(StringComparer.Ordinal);
    private long _nextItemsSweep;

    /// <param name="handed">Units leased at intake: their claims hold the items already.</param>
    private void KeepLocalItems(NewJob job, int handed)
    {
        var units = job.Spec.Plan.Units - handed;
        if (job.Spec.Count < LocalItemsMinCount || units == 0) return;
        var now = clock.GetUtcNow();
        RemoveExpired(_localItems, ref _nextItemsSweep, now, jobId => _localItems.TryRemove(jobId, out _));
        _localItems[job.Spec.Id] = new LocalItems(job.Items, units, now + LocalItemsLifetime);
    }

    /// <summary>
    /// The kept jobs as a claim sees them: the statement is told not to return their arguments, and the claim takes them
    /// from this copy, which an entry expiring meanwhile does not change.
    /// </summary>
    private IReadOnlyDictionary<string, LocalItems> LocalItemsNow() =>
        _localItems.IsEmpty ? NoLocalItems : new Dictionary<string, LocalItems>(_localItems, StringComparer.Ordinal);

    /// <summary>A claimed unit's items from memory: the job's own items, indexed by the job's item index.</summary>
    private UnitItems TakeLocalItems(string jobId, LocalItems entry)
    {
        if (Interlocked.Decrement(ref entry.UnitsLeft) <= 0) _localItems.TryRemove(KeyValuePair.Create(jobId, entry));
        return new UnitItems(0, entry.Items);
    }

    /// <summary>Removes the entries past their expiry, at most once a second (<paramref name="next"/>): one thread looks.</summary>
    private static void RemoveExpired<TKey, TEntry>(ConcurrentDictionary<TKey, TEntry> entries, ref long next, DateTimeOffset now, Action<TKey> remove)
        where TKey : notnull where TEntry : IExpiring
    {
        var due = Volatile.Read(ref next);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref next, now.UtcTicks + TimeSpan.TicksPerSecond, due) != due) return;
        foreach (var (key, entry) in entries)
            if (entry.Expires < now) remove(key);
    }

    private interface IExpiring
    {
        DateTimeOffset Expires { get; }
    }

    private sealed class LocalItems(ItemArguments items, int units, DateTimeOffset expires) : IExpiring
    {
        public ItemArguments Items => items;
        public DateTimeOffset Expires => expires;
        public int UnitsLeft = units;
    }
}
