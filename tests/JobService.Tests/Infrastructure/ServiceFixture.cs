namespace JobService.Tests.Infrastructure;

/// <summary>One node with two workers, shared by the tests of a collection (they run one after another).</summary>
public class ServiceFixture : IAsyncLifetime
{
    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("not started");
    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync(workers: 2);

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

[CollectionDefinition("service")]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>;
