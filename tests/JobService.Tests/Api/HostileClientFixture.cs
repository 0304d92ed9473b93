using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>A node with small body limits, so that "over the limit" and "too many large uploads" are cheap to reach.</summary>
public sealed class HostileClientFixture : ServiceFixture
{
    public const int MaxBodyMegabytes = 2;

    protected override Task<ServiceHost> StartAsync() => ServiceHost.StartAsync(workers: 2, new Dictionary<string, string>
    {
        ["Jobs:MaxBodyMegabytes"] = MaxBodyMegabytes.ToString(),
        ["Limits:ConcurrentLargeUploads"] = "1",
    });
}

[CollectionDefinition("hostile")]
public sealed class HostileClientCollection : ICollectionFixture<HostileClientFixture>;
