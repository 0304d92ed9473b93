using System.Net;
using JobService.Tests.Infrastructure;
using static JobService.Tests.Security.KeyedHostFixture;

namespace JobService.Tests.Security;

/// <summary>Limits:RequestsPerSecond: a token bucket per key.</summary>
public sealed class RateLimitTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_key_over_its_rate_gets_429_with_Retry_After_while_another_key_and_health_are_served()
    {
        var settings = KeyedHostFixture.Settings;
        settings["Limits:RequestsPerSecond"] = "5";
        await using var host = await ServiceHost.StartAsync(workers: 1, settings);
        using var alice = host.ClientWith(Alice);
        using var bob = host.ClientWith(Bob);

        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => alice.GetAsync("/jobs")));
        using var bobs = await bob.GetAsync("/jobs");
        using var health = await host.ClientWith(null).GetAsync("/health");

        var limited = flood.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        var problem = await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("Limits:RequestsPerSecond", problem.GetProperty("detail").GetString());
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, bobs.StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, health.StatusCode);
        foreach (var response in flood) response.Dispose();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_key_too_short_to_be_safe_stops_the_node_naming_the_setting()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceHost.StartAsync(workers: 1, new Dictionary<string, string>
        {
            ["Auth:Keys:0:Name"] = "short",
            ["Auth:Keys:0:Key"] = "12345",
        }));

        Assert.Contains("Auth:Keys:0:Key", failure.Message);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_node_without_keys_says_at_start_that_it_is_open()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1);

        Assert.Contains("No API keys configured", host.Log);
    }
}
