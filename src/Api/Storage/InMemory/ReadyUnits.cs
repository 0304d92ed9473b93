namespace JobService.Api.Storage.InMemory;

/// <summary>
/// Units waiting to be claimed, per queue and per owner (API key), oldest first. The next unit is the oldest of the
/// owner with the fewest units running, and among those of the owner served least recently (round robin): a key that
/// floods the queue does not make another key's call wait behind it. A unit claimed by name leaves its queue at once.
/// </summary>
internal sealed class ReadyUnits
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, LinkedList<Entry>>> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<UnitKey, LinkedListNode<Entry>> _nodes = [];
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private long _arrivals;
    private long _services;

    public void Add(string queue, string? owner, UnitKey unit)
    {
        lock (_gate)
        {
            if (_nodes.ContainsKey(unit)) return;
            if (!_queues.TryGetValue(queue, out var owners)) _queues[queue] = owners = new(StringComparer.Ordinal);
            if (!owners.TryGetValue(owner ?? "", out var list)) owners[owner ?? ""] = list = [];
            _nodes[unit] = list.AddLast(new Entry(unit, _arrivals++));
        }
    }

    public void Remove(UnitKey unit)
    {
        lock (_gate)
        {
            if (!_nodes.Remove(unit, out var node)) return;
            node.List!.Remove(node);
        }
    }

    /// <summary>The oldest waiting units of a queue, whoever owns them (the dispatcher only needs to know some are waiting).</summary>
    public List<UnitKey> Peek(string queue, int limit)
    {
        lock (_gate)
            return _queues.TryGetValue(queue, out var owners)
                ? owners.Values.SelectMany(list => list.Take(limit)).OrderBy(e => e.Arrival).Take(limit).Select(e => e.Unit).ToList()
                : [];
    }

    public bool TryTake(IReadOnlyList<string> queues, out UnitKey unit)
    {
        lock (_gate)
        {
            foreach (var queue in queues)
            {
                if (!_queues.TryGetValue(queue, out var owners)) continue;
                LinkedList<Entry>? next = null;
                var best = (Running: int.MaxValue, Served: long.MaxValue, Arrival: long.MaxValue);
                foreach (var (owner, list) in owners)
                {
                    if (list.First is not { } head) continue;
                    var rank = (_running.GetValueOrDefault(owner), _lastServed.GetValueOrDefault(owner), head.Value.Arrival);
                    if (rank.CompareTo(best) >= 0) continue;
                    (next, best) = (list, rank);
                }
                if (next is null) continue;
                unit = next.First!.Value.Unit;
                next.RemoveFirst();
                _nodes.Remove(unit);
                return true;
            }
        }
        unit = default;
        return false;
    }

    /// <summary>A unit of <paramref name="owner"/> was claimed: it runs until <see cref="Ended"/>.</summary>
    public void Started(string? owner)
    {
        lock (_gate)
        {
            _running[owner ?? ""] = _running.GetValueOrDefault(owner ?? "") + 1;
            _lastServed[owner ?? ""] = ++_services;
        }
    }

    public void Ended(string? owner)
    {
        lock (_gate)
            if (_running.TryGetValue(owner ?? "", out var running))
                if (running <= 1) _running.Remove(owner ?? ""); else _running[owner ?? ""] = running - 1;
    }

    private readonly record struct Entry(UnitKey Unit, long Arrival);
}
