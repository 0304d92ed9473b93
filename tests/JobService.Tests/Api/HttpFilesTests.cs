using System.Text.Json;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>
/// The request files in http/ are documentation that runs: httpyac sends every request of every file, in order, against
/// the real host, in the files' own environment with its host swapped for this node's. The folder's .httpyac.config.js
/// resolves the files' request variables and fails any request that does not answer 2xx.
/// </summary>
[Collection("service")]
public sealed class HttpFilesTests(ServiceFixture service)
{
    private static readonly NpmTool Httpyac = new("httpyac", "6.16.7", "httpyac");

    [Fact(Timeout = Timeouts.Test)]
    public async Task HttpyacRunsEveryRequestOfTheHttpFilesAndEachSucceeds()
    {
        var folder = Path.Combine(Repository.Root, "http");
        var files = Directory.GetFiles(folder, "*.http").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var requests = files.Sum(file => File.ReadLines(file).Count(line => line.StartsWith("###", StringComparison.Ordinal)));
        var host = service.Client.BaseAddress!.ToString().TrimEnd('/');

        // httpyac finds its configuration and environments from the working directory: the files' folder.
        var (exit, output, errors) = await Httpyac.RunInAsync(folder,
            ["send", .. files.Select(Path.GetFileName)!, "--all", "--env", "local", "--var", $"host={host}", "--json"]);

        var run = JsonDocument.Parse(output).RootElement;
        var failures = run.GetProperty("requests").EnumerateArray()
            .Where(r => r.GetProperty("testResults").EnumerateArray().Any(t => t.GetProperty("status").GetString() != "SUCCESS"))
            .Select(r => $"{Path.GetFileName(r.GetProperty("fileName").GetString())} line {r.GetProperty("line")}: " +
                string.Join("; ", r.GetProperty("testResults").EnumerateArray().Select(t => t.GetProperty("message").GetString())))
            .ToArray();
        Assert.True(failures.Length == 0 && exit == 0, $"httpyac exited {exit}:\n{string.Join('\n', failures)}\n{errors}");
        var summary = run.GetProperty("summary");
        Assert.Equal(requests, summary.GetProperty("successRequests").GetInt32());
        Assert.Equal(requests, summary.GetProperty("successTests").GetInt32()); // the 2xx test of .httpyac.config.js ran for each
    }
}
