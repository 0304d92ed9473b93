using JobService.Tests.Infrastructure;

namespace JobService.Tests.Cluster;

/// <summary>Nodes of one service: real hosts, each with its own workers, on one private PostgreSQL database.</summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<ServiceHost> _nodes = [];

    private Cluster(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public static async Task<Cluster> CreateAsync() =>
        new(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());

    /// <summary>Starts <paramref name="count"/> nodes at once (they create the schema together) with <paramref name="workers"/> workers each, plus any settings.</summary>
    public async Task<ServiceHost[]> StartAsync(int count, int workers = 1, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = ServiceHost.PostgresSettings(ConnectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        var started = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => ServiceHost.StartAsync(workers, all)));
        _nodes.AddRange(started);
        return started;
    }

    public async Task<ServiceHost> StartAsync() => (await StartAsync(1))[0];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}
