using System.Net;
using System.Text.Json;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>Recycling, memory caps and start failures: each on a node configured for it.</summary>
public sealed class PoolLifecycleTests
{
    [Fact(Timeout = Timeouts.Test)]
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

    [Fact(Timeout = Timeouts.Test)]
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

    [Fact(Timeout = Timeouts.Test)]
    public async Task WorkersThatCannotStartMakeTheNodeUnreadyButLiveAndJobsWait()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1,
            new Dictionary<string, string> { ["Workers:WorkerPath"] = "/nonexistent/JobService.Workers.dll" }, waitUntilReady: false);
        var job = await host.Client.CallAsync("echo", 1);

        var (status, health) = await WaitForHealthReasonAsync(host, "/health/ready", "cannot start");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/JobService.Workers.dll", health.GetProperty("reason").GetString());
        using var live = await host.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(FutureState.Pending, (await host.Client.FutureAsync(job.FutureIds![0])).State);
        Assert.Contains("next try in", host.Log);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ANodeWithAWorkerThatCannotBeReplacedStaysReadyAsDegradedAndServes()
    {
        // The workers run from a copy that is deleted once they are up: a crashed worker's replacement cannot start.
        var copy = Directory.CreateTempSubdirectory("jobservice-workers-").FullName;
        // The worker program and the one assembly it references (the wire shapes of GET /functions).
        foreach (var file in new[] { "JobService.Workers.*", "JobService.Contracts.*" }.SelectMany(p => Directory.GetFiles(AppContext.BaseDirectory, p)))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        await using var host = await ServiceHost.StartAsync(workers: 2,
            new Dictionary<string, string> { ["Workers:WorkerPath"] = Path.Combine(copy, "JobService.Workers.dll") });
        Directory.Delete(copy, recursive: true);
        var crash = await host.Client.CallAsync("crash", 1);
        await host.Client.FutureAsync(crash.FutureIds![0], waitSeconds: 60);

        var (status, health) = await WaitForHealthReasonAsync(host, "/health", "1 of 2 workers are up");
        using var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("workers").GetProperty("live").GetInt32());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var echo = await host.Client.CallAsync("echo", "still serving");
        Assert.Equal(FutureState.Finished, (await host.Client.FutureAsync(echo.FutureIds![0], waitSeconds: 60)).State);
    }

    private static async Task<(HttpStatusCode, JsonElement)> WaitForHealthReasonAsync(ServiceHost host, string path, string reason)
    {
        for (var i = 0; ; i++)
        {
            using var response = await host.Client.GetAsync(path);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (body.TryGetProperty("reason", out var r) && r.GetString()!.Contains(reason) || i == 300) return (response.StatusCode, body);
            await Task.Delay(100);
        }
    }
}
