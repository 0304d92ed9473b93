namespace JobService.Api.Storage.InMemory;

/// <summary>Units waiting to be claimed, oldest first, per queue; a unit claimed by name leaves its queue at once.</summary>
internal sealed class ReadyUnits
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedList<UnitKey>> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<UnitKey, LinkedListNode<UnitKey>> _nodes = [];

    public void Add(string queue, UnitKey unit)
    {
        lock (_gate)
        {
            if (_nodes.ContainsKey(unit)) return;
            if (!_queues.TryGetValue(queue, out var list)) _queues[queue] = list = new LinkedList<UnitKey>();
            _nodes[unit] = list.AddLast(unit);
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

    public List<UnitKey> Peek(string queue, int limit)
    {
        lock (_gate)
            return _queues.TryGetValue(queue, out var list) ? list.Take(limit).ToList() : [];
    }

    public bool TryTake(IReadOnlyList<string> queues, out UnitKey unit)
    {
        lock (_gate)
        {
            foreach (var queue in queues)
            {
                if (!_queues.TryGetValue(queue, out var list) || list.First is not { } first) continue;
                unit = first.Value;
                list.RemoveFirst();
                _nodes.Remove(unit);
                return true;
            }
        }
        unit = default;
        return false;
    }
}
