using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>A node of its own that the "faults" tests crash, kill and time out; it must heal after each.</summary>
public sealed class FaultFixture : ServiceFixture
{
    /// <summary>Every failure must leave the pool at full strength: waits for /health to say so.</summary>
    public Task AssertPoolHealsAsync() => Host.WaitUntilHealthAsync(TimeSpan.FromSeconds(60));
}

[CollectionDefinition("faults")]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>;
