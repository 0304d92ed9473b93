using System.Net;
using System.Net.Http.Json;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Outside Development and tests, the fault-injection functions do not exist.</summary>
public sealed class ProductionCatalogTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string> { ["Functions:EnableFaultInjection"] = "false" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = Timeouts.Test)]
    public async Task CrashIsUnknownWhenFaultInjectionIsOff()
    {
        var catalog = await _host.Client.GetStringAsync("/functions");
        using var response = await _host.Client.PostAsJsonAsync("/jobs", new { type = "submit", function = "crash", args = new[] { 1 } });

        Assert.DoesNotContain("\"crash\"", catalog);
        Assert.Contains("\"fib\"", catalog);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }
}
