namespace JobService.Tests.Infrastructure;

/// <summary>One node with two workers, shared by the tests of a collection (they run one after another).</summary>
public class ServiceFixture : IAsyncLifetime
{
    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("not started");
    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => _host = await StartAsync();

    protected virtual Task<ServiceHost> StartAsync() => ServiceHost.StartAsync(workers: 2);

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

[CollectionDefinition("service")]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>;

/// <summary>The same node on the PostgreSQL provider: the API tests that derive a class for it run on both.</summary>
public sealed class PostgresServiceFixture : ServiceFixture
{
    protected override async Task<ServiceHost> StartAsync() =>
        await ServiceHost.StartAsync(workers: 2, ServiceHost.PostgresSettings(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()));
}

[CollectionDefinition("service-postgres")]
public sealed class PostgresServiceCollection : ICollectionFixture<PostgresServiceFixture>;
