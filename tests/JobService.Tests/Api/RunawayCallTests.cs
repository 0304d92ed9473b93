using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Calls that would hold a worker for ever: nonsense arguments fail at once, and nothing runs past a timeout.</summary>
[Collection("service")]
public class RunawayCallTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task ANegativeSleepFailsAsAValueErrorInsteadOfSleepingForever()
    {
        var job = await Client.CallAsync("sleep", -0.001);

        var future = await Client.FutureAsync(job.FutureIds![0], waitSeconds: 60);

        Assert.Equal(FutureState.Failed, future.State);
        Assert.Equal("ValueError", future.Error!.Type);
        Assert.Contains("0 or more", future.Error.Message);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(100)]
    [InlineData(1_000_000_000)]
    public async Task FibAboveItsBoundFailsAtOnceAsAValueError(int n)
    {
        var job = await Client.SubmitAsync(new { type = "submit", calls = new[] { new { function = "fib", args = new[] { n } }, new { function = "fib", args = new[] { 10 } } } });

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal("ValueError", page.Results[0].Error!.Type);
        Assert.Contains("at most 45", page.Results[0].Error!.Message);
        Assert.Equal(55, page.Results[1].Result!.Value.GetInt64());
    }
}

[Collection("service-postgres")]
public sealed class RunawayCallTestsOnPostgreSql(PostgresServiceFixture service) : RunawayCallTests(service);

/// <summary>Jobs:DefaultTimeoutSeconds, on a node of its own per provider.</summary>
public sealed class DefaultTimeoutTests
{
    [Theory(Timeout = Timeouts.Test)]
    [InlineData(StorageOptions.InMemory)]
    [InlineData(StorageOptions.PostgreSql)]
    public async Task AJobWithoutTimeoutSecondsIsKilledAtTheDefaultTimeout(string provider)
    {
        var settings = provider == StorageOptions.PostgreSql
            ? ServiceHost.PostgresSettings(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync())
            : [];
        settings["Jobs:DefaultTimeoutSeconds"] = "1";
        await using var host = await ServiceHost.StartAsync(workers: 1, settings);
        var job = await host.Client.SubmitAsync(new
        {
            type = "submit",
            calls = new object[] { new { function = "spin" }, new { function = "echo", args = new[] { 2 } } },
        });

        var page = await host.Client.ResultsAsync(job.JobId);

        Assert.Equal(FutureState.Failed, page.Results[0].State);
        Assert.Equal("TimeoutError", page.Results[0].Error!.Type);
        Assert.Contains("Jobs:DefaultTimeoutSeconds", page.Results[0].Error!.Message);
        Assert.Equal(2, page.Results[1].Result!.Value.GetInt32());
    }
}
