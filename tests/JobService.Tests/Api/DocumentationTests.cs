using System.Net;
using System.Text.Json;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Swagger describes every endpoint; the dashboard, the catalog and health answer.</summary>
[Collection("service")]
public sealed class DocumentationTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task SwaggerDescribesEveryEndpointWithItsShapes()
    {
        var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var paths = document.GetProperty("paths");

        string[] expected = ["/jobs", "/jobs/{jobId}", "/jobs/{jobId}/results", "/futures/{id}", "/futures/wait", "/functions", "/health", "/health/live", "/health/ready"];
        Assert.All(expected, path => Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing"));
        var create = paths.GetProperty("/jobs").GetProperty("post");
        var body = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.Contains("map", body.GetProperty("examples").EnumerateObject().Select(e => e.Name));
        Assert.True(create.GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("JobRequest", out _));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task SwaggerSaysEnumsAreStringsAsTheyAreOnTheWire()
    {
        var schemas = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["pending", "running", "finished", "failed", "cancelled"],
            schemas.GetProperty("FutureState").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"],
            schemas.GetProperty("ReturnWhen").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task SpectralFindsNothingToSayAboutTheDocument()
    {
        var document = Path.Combine(Path.GetTempPath(), $"jobservice-openapi-{Guid.NewGuid():N}.json");
        var ruleset = Path.ChangeExtension(document, ".spectral.yaml");
        await File.WriteAllTextAsync(document, await Client.GetStringAsync("/swagger/v1/swagger.json"));
        await File.WriteAllTextAsync(ruleset, "extends: [\"spectral:oas\"]\n");
        try
        {
            var (exit, output) = await Spectral.RunAsync("lint", document, "--ruleset", ruleset, "--fail-severity", "hint");

            Assert.True(exit == 0 && output.Contains("No results with a severity of 'hint' or higher found"), output);
        }
        finally
        {
            File.Delete(document);
            File.Delete(ruleset);
        }
    }

    private static readonly NpmTool Spectral = new("@stoplight/spectral-cli", "6.16.3", "spectral");

    [Fact(Timeout = Timeouts.Test)]
    public async Task SwaggerUiIsServed()
    {
        using var response = await Client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task HangfireDashboardIsServedToLocalRequests()
    {
        using var response = await Client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("JobService queue", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task FunctionsListsTheCatalogWithParameterTypes()
    {
        var functions = JsonDocument.Parse(await Client.GetStringAsync("/functions")).RootElement.EnumerateArray().ToArray();

        var fib = functions.Single(f => f.GetProperty("name").GetString() == "fib");
        Assert.Equal("integer", fib.GetProperty("resultType").GetString());
        var n = fib.GetProperty("parameters").EnumerateArray().Single();
        Assert.Equal("n", n.GetProperty("name").GetString());
        Assert.Equal("integer", n.GetProperty("type").GetString());
        string[] builtins = ["add", "crash", "echo", "fail", "fib", "fib_checked", "power_sum", "sleep"];
        Assert.All(builtins, name => Assert.Contains(functions, f => f.GetProperty("name").GetString() == name));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task HealthIsHealthyWithEveryWorkerUpAndEachCheckListed()
    {
        await EveryWorkerUpAsync();

        var health = JsonDocument.Parse(await Client.GetStringAsync("/health")).RootElement;

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("workers").GetProperty("live").GetInt32());
        Assert.Equal(2, health.GetProperty("workers").GetProperty("target").GetInt32());
        Assert.True(health.GetProperty("storage").GetProperty("reachable").GetBoolean());
        Assert.Equal(["storage", "workers"], health.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order());
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task LivenessAndReadinessAnswer200WithEveryWorkerUp(string path)
    {
        await EveryWorkerUpAsync();

        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    /// <summary>Other tests of the collection force-cancel running items, which kills their workers: wait for the replacements.</summary>
    private Task EveryWorkerUpAsync() => service.Host.WaitUntilHealthAsync(TimeSpan.FromSeconds(60));
}
