namespace JobService.Api.Pool;

/// <summary>The last lines a worker wrote to stderr, kept to explain its death.</summary>
internal sealed class StderrTail(int capacity = 20)
{
    private readonly Queue<string> _lines = new(capacity);
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == capacity) _lines.Dequeue();
            _lines.Enqueue(line.Length > 500 ? line[..500] + "…" : line);
        }
    }

    public string Text()
    {
        lock (_gate) return string.Join('\n', _lines);
    }
}
