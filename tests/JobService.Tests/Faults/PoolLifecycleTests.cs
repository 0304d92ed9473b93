using System.Net;
using System.Text.Json;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>Recycling, memory caps and start failures: each on a node configured for it.</summary>
public sealed class PoolLifecycleTests
{
    [Fact]
    public async Task WorkersAreRecycledAfterMaxTasksPerChildWithoutLosingAnItem()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string> { ["Workers:MaxTasksPerChild"] = "3" });
        var job = await host.Client.MapAsync("echo", Enumerable.Range(0, 10).Cast<object>());

        var page = await host.Client.ResultsAsync(job.JobId);
        var pids = new List<int>();
        foreach (var r in page.Results) pids.Add((await host.Client.FutureAsync($"{job.JobId}.{r.Index}")).WorkerPid!.Value);

        Assert.Equal(Enumerable.Range(0, 10), page.Results.Select(r => r.Result!.Value.GetInt32()));
        Assert.All(pids.GroupBy(p => p), g => Assert.True(g.Count() <= 3, $"worker {g.Key} ran {g.Count()} items"));
        Assert.True(pids.Distinct().Count() >= 4);
        Assert.Contains("MaxTasksPerChild 3", host.Log);
    }

    [Fact]
    public async Task AWorkerOverItsMemoryCapFailsTheItemAndNeverTouchesTheHost()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string> { ["Workers:MaxMemoryMb"] = "96" });
        var job = await host.Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "allocate", args = new[] { 1024 } }, new { function = "allocate", args = new[] { 8 } } },
        });

        var page = await host.Client.ResultsAsync(job.JobId);

        Assert.Equal(FutureState.Failed, page.Results[0].State);
        Assert.Equal("MemoryError", page.Results[0].Error!.Type);
        Assert.Equal(8, page.Results[1].Result!.Value.GetInt32());
        await host.WaitUntilHealthAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task WorkersThatCannotStartMakeTheNodeUnreadyAndJobsWait()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1,
            new Dictionary<string, string> { ["Workers:WorkerPath"] = "/nonexistent/JobService.Workers.dll" }, waitUntilReady: false);
        var job = await host.Client.CallAsync("echo", 1);

        var (status, health) = await WaitForHealthReasonAsync(host, "cannot start");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unready", health.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/JobService.Workers.dll", health.GetProperty("reason").GetString());
        Assert.Equal(FutureState.Pending, (await host.Client.FutureAsync(job.FutureIds![0])).State);
        Assert.Contains("next try in", host.Log);
    }

    private static async Task<(HttpStatusCode, JsonElement)> WaitForHealthReasonAsync(ServiceHost host, string reason)
    {
        for (var i = 0; ; i++)
        {
            using var response = await host.Client.GetAsync("/health");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (body.TryGetProperty("reason", out var r) && r.GetString()!.Contains(reason) || i == 300) return (response.StatusCode, body);
            await Task.Delay(100);
        }
    }
}
