using System.Globalization;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>GET /metrics: Prometheus text with the service's counts, as an operator scrapes them.</summary>
public sealed class MetricsTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task After_a_map_of_fib_and_a_failing_call_the_metrics_count_them_by_function_and_state()
    {
        await using var host = await ServiceHost.StartAsync(workers: 2);
        var map = await host.Client.MapAsync("fib", [15, 16, 17, 18, 19, 20]);
        var failing = await host.Client.CallAsync("fail", "on purpose");
        await host.Client.ResultsAsync(map.JobId);
        await host.Client.FutureAsync(failing.FutureIds![0], waitSeconds: 60);

        var metrics = await ScrapeUntilAsync(host, text => Value(text, "jobservice_items_total", "function=\"fail\"", "state=\"failed\"") is not null);

        Assert.Equal(6, Value(metrics, "jobservice_items_total", "function=\"fib\"", "state=\"finished\""));
        Assert.Equal(1, Value(metrics, "jobservice_items_total", "function=\"fail\"", "state=\"failed\""));
        Assert.Equal(6, Value(metrics, "jobservice_item_duration_seconds_count", "function=\"fib\""));
        Assert.Equal(2, Value(metrics, "jobservice_workers", "kind=\"live\""));
        Assert.Equal(2, Value(metrics, "jobservice_workers", "kind=\"target\""));
        Assert.NotNull(Value(metrics, "jobservice_queue_items"));
        Assert.Contains("http_server_request_duration_seconds", metrics);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_crashed_worker_is_counted_with_its_cause()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1);
        var crash = await host.Client.CallAsync("crash", 3);
        await host.Client.FutureAsync(crash.FutureIds![0], waitSeconds: 60);

        var metrics = await ScrapeUntilAsync(host, text => Value(text, "jobservice_worker_exits_total", "cause=\"crashed\"") is not null);

        Assert.Equal(1, Value(metrics, "jobservice_worker_exits_total", "cause=\"crashed\""));
        Assert.Equal(1, Value(metrics, "jobservice_items_total", "function=\"crash\"", "state=\"failed\""));
    }

    /// <summary>The exporter caches a scrape for a moment: ask again until what was just done shows.</summary>
    private static async Task<string> ScrapeUntilAsync(ServiceHost host, Func<string, bool> shows)
    {
        var text = "";
        for (var attempt = 0; attempt < 50 && !shows(text); attempt++)
        {
            if (attempt > 0) await Task.Delay(200);
            text = await host.Client.GetStringAsync("/metrics");
        }
        return text;
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    private static double? Value(string metrics, string name, params string[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not ('{' or ' ')) continue;
            if (!labels.All(line.Contains)) continue;
            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            return double.Parse(value, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
