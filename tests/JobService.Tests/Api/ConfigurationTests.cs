using System.Net;
using System.Net.Http.Json;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Settings that change what the node accepts, each on a node of its own.</summary>
public sealed class ConfigurationTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task ConfiguredQueuesReplaceTheDefaultAndTheFirstIsUsedWhenNoneIsNamed()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string>
        {
            ["Scheduler:Queues:0"] = "critical",
            ["Scheduler:Queues:1"] = "bulk",
        });

        var unnamed = await host.Client.CallAsync("echo", 1);
        var bulk = await host.Client.SubmitAsync(new { type = "submit", function = "echo", args = new[] { 2 }, queue = "bulk" });
        using var refused = await host.Client.PostAsJsonAsync("/jobs", new { type = "submit", function = "echo", args = new[] { 3 }, queue = "default" });

        Assert.Equal("critical", (await host.Client.JobAsync(unnamed.JobId)).Queue);
        Assert.Equal(2, (await host.Client.FutureAsync(bulk.FutureIds![0], waitSeconds: 60)).Result!.Value.GetInt32());
        var problem = await refused.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("critical, bulk", problem.GetProperty("errors").GetProperty("queue")[0].GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AChunkOverMaxChunkMegabytesIsRefusedWith413SayingWhichChunksizeFits()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string> { ["Jobs:MaxChunkMegabytes"] = "1" });
        var items = Enumerable.Repeat(new string('x', 2000), 1000).ToArray();

        using var refused = await host.Client.PostAsJsonAsync("/jobs", new { type = "map", function = "echo", items, chunksize = 1000 });
        using var accepted = await host.Client.PostAsJsonAsync("/jobs", new { type = "map", function = "echo", items, chunksize = 400 });

        var problem = await refused.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("chunksize", problem.GetProperty("detail").GetString());
        Assert.Contains("Jobs:MaxChunkMegabytes", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task APluginThatDoesNotLoadStopsTheNodeWithTheReason()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceHost.StartAsync(workers: 1,
            new Dictionary<string, string> { ["Functions:Plugins:0"] = "/nonexistent/Plugin.dll" }));

        Assert.Contains("/nonexistent/Plugin.dll", failure.Message);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnInvalidSettingStopsTheNodeNamingIt()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceHost.StartAsync(workers: 1,
            new Dictionary<string, string> { ["Jobs:MaxWaitSeconds"] = "0" }));

        Assert.Contains("MaxWaitSeconds", failure.Message);
    }
}
