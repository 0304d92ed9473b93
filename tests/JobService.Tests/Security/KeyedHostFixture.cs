using JobService.Tests.Infrastructure;

namespace JobService.Tests.Security;

/// <summary>A node with three API keys: two clients (alice, bob) and an admin.</summary>
public class KeyedHostFixture : IAsyncLifetime
{
    public const string Alice = "alice-key-0123456789abcdef";
    public const string Bob = "bob-key-0123456789abcdef";
    public const string Admin = "admin-key-0123456789abcdef";

    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _host = await StartAsync();

    protected virtual Task<ServiceHost> StartAsync() => ServiceHost.StartAsync(workers: 1, Settings);

    public static Dictionary<string, string> Settings => new()
    {
        ["Auth:Keys:0:Name"] = "alice",
        ["Auth:Keys:0:Key"] = Alice,
        ["Auth:Keys:1:Name"] = "bob",
        ["Auth:Keys:1:Key"] = Bob,
        ["Auth:Keys:2:Name"] = "ops",
        ["Auth:Keys:2:Key"] = Admin,
        ["Auth:Keys:2:Admin"] = "true",
    };

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>The same keys on the PostgreSQL provider, where a job's owner is a column.</summary>
public sealed class KeyedPostgresHostFixture : KeyedHostFixture
{
    protected override async Task<ServiceHost> StartAsync()
    {
        var settings = ServiceHost.PostgresSettings(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());
        foreach (var (key, value) in Settings) settings[key] = value;
        return await ServiceHost.StartAsync(workers: 1, settings);
    }
}
