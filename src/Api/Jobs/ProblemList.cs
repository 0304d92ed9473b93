namespace JobService.Api.Jobs;

/// <summary>Collects every problem with a request, by field, for one ValidationProblem answer.</summary>
internal sealed class ProblemList
{
    private const int MaxPerRequest = 50;
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _count;

    public bool Any => _count > 0;

    public void Add(string field, string message)
    {
        if (++_count > MaxPerRequest) return;
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary()
    {
        var result = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
        if (_count > MaxPerRequest) result["$"] = [$"…and {_count - MaxPerRequest} more problems"];
        return result;
    }
}
