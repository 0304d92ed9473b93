using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>A node of its own that the "faults" tests crash, kill and time out; it must heal after each.</summary>
public class FaultFixture : ServiceFixture
{
    /// <summary>Every failure must leave the pool at full strength: waits for /health to say so.</summary>
    public Task AssertPoolHealsAsync() => Host.WaitUntilHealthAsync(TimeSpan.FromSeconds(60));
}

[CollectionDefinition("faults")]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>;

/// <summary>The same on the PostgreSQL provider, where retries are counted from the store.</summary>
public sealed class PostgresFaultFixture : FaultFixture
{
    protected override async Task<ServiceHost> StartAsync() =>
        await ServiceHost.StartAsync(workers: 2, ServiceHost.PostgresSettings(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()));
}

[CollectionDefinition("faults-postgres")]
public sealed class PostgresFaultCollection : ICollectionFixture<PostgresFaultFixture>;
