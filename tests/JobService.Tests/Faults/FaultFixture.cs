using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>A node of two workers that the "faults" tests crash, kill and time out; it must heal after each.</summary>
public sealed class FaultFixture : IAsyncLifetime
{
    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("not started");
    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync(workers: 2);

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    /// <summary>Every failure must leave the pool at full strength: waits for /health to say so.</summary>
    public Task AssertPoolHealsAsync() => Host.WaitUntilHealthAsync(TimeSpan.FromSeconds(60));

    public async Task WaitForStateAsync(string futureId, FutureState state)
    {
        for (var i = 0; i < 1200; i++)
        {
            if ((await Client.FutureAsync(futureId)).State == state) return;
            await Task.Delay(50);
        }
        Assert.Fail($"future {futureId} never became {state}");
    }
}

[CollectionDefinition("faults")]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>;
