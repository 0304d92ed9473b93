using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>The request files in http/ are documentation that runs: each request, in order, against the real host.</summary>
[Collection("service")]
public sealed class HttpFilesTests(ServiceFixture service)
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task EveryRequestInTheHttpFilesSucceeds()
    {
        var files = Directory.GetFiles(Path.Combine(Repository.Root, "http"), "*.http").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var host = new Dictionary<string, string> { ["host"] = service.Client.BaseAddress!.ToString().TrimEnd('/') };

        foreach (var path in files)
        {
            var file = HttpFile.Parse(await File.ReadAllTextAsync(path));
            Assert.NotEmpty(file.Requests);
            var runner = new HttpFile.Runner(file, service.Client, host);
            foreach (var request in file.Requests)
            {
                var response = await runner.SendAsync(request);

                Assert.True(response.Status is >= 200 and < 300,
                    $"{Path.GetFileName(path)} line {request.Line}: {response.Method} {response.Url} answered {response.Status}: {response.Body}");
            }
        }
    }
}
