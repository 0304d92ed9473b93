using System.Net;
using System.Text.RegularExpressions;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>The Hangfire dashboard says what each dispatch job runs, and what became of its items.</summary>
public sealed partial class DashboardTests
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_dispatch_job_is_named_after_its_function_and_items_and_its_result_counts_the_failed_ones()
    {
        await using var host = await ServiceHost.StartAsync(workers: 1, new Dictionary<string, string> { ["Scheduler:Linger"] = "00:00:00" });
        var job = await host.Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "echo", args = new[] { 1 } }, new { function = "fail", args = new[] { "no" } } },
        });
        await host.Client.ResultsAsync(job.JobId);

        var list = await ReadUntilAsync(host, "/hangfire/jobs/succeeded", page => page.Contains(job.JobId));
        var row = DetailsLinks().Matches(list).FirstOrDefault(m => m.Groups["name"].Value.Contains(job.JobId));
        Assert.True(row is not null, list);
        Assert.Contains("echo, fail · item 0 of 2", WebUtility.HtmlDecode(row.Groups["name"].Value));
        var page = WebUtility.HtmlDecode(await host.Client.GetStringAsync(row.Groups["href"].Value));

        Assert.Contains("1 item(s) finished, 1 failed", page);
    }

    /// <summary>A dispatch job succeeds when its drainer ends, a moment after the job's last result.</summary>
    private static async Task<string> ReadUntilAsync(ServiceHost host, string url, Func<string, bool> shows)
    {
        var page = "";
        for (var attempt = 0; attempt < 100 && !shows(page); attempt++)
        {
            if (attempt > 0) await Task.Delay(200);
            page = await host.Client.GetStringAsync(url);
        }
        return page;
    }

    [GeneratedRegex("""href="(?<href>/hangfire/jobs/details/[^"]+)"[^>]*>(?<name>[^<]*)""")]
    private static partial Regex DetailsLinks();
}
