using System.Net.Http.Json;
using JobService.Api.Futures;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>The three examples of the tutorial the service grew from, with the tutorial's values.</summary>
[Collection("service")]
public class TutorialExamplesTests(ServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapOfFibReturnsTheTutorialsValuesInItemOrder()
    {
        var job = await Client.MapAsync("fib", Enumerable.Range(15, 17).Cast<object>());

        var page = await Client.ResultsAsync(job.JobId);

        long[] expected = [610, 987, 1597, 2584, 4181, 6765, 10946, 17711, 28657, 46368, 75025, 121393, 196418, 317811, 514229, 832040, 1346269];
        Assert.Equal(Enumerable.Range(0, 17), page.Results.Select(r => r.Index));
        Assert.All(page.Results, r => Assert.Equal(FutureState.Finished, r.State));
        Assert.Equal(expected, page.Results.Select(r => r.Result!.Value.GetInt64()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task FibCheckedSubmittedOneByOneFailsAloneAt31WithItsMessageAndTraceback()
    {
        var numbers = new Dictionary<string, int>();
        foreach (var n in Enumerable.Range(15, 17))
            numbers[(await Client.CallAsync("fib_checked", n)).FutureIds![0]] = n;

        var completed = await AsCompletedAsync(numbers.Keys);

        Assert.Equal(numbers.Keys.Order(), completed.Order());
        foreach (var (id, n) in numbers)
        {
            var future = await Client.FutureAsync(id);
            if (n == 31)
            {
                Assert.Equal(FutureState.Failed, future.State);
                Assert.Equal("Exception", future.Error!.Type);
                Assert.Equal("fib must less than 31", future.Error.Message);
                Assert.Contains("fib must less than 31", future.Error.Traceback);
                Assert.Contains("FibChecked", future.Error.Traceback);
            }
            else
            {
                Assert.Equal(FutureState.Finished, future.State);
                Assert.Equal(Fib(n), future.Result!.Value.GetInt64());
            }
        }
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task PowerSumOver99999ItemsWithAutomaticChunksMatchesTheFormula()
    {
        var job = await Client.MapAsync("power_sum", Enumerable.Range(1, 99_999).Cast<object>());

        Assert.Equal(12_500, job.Chunksize); // ceil(99,999 / (4 × 2 workers)), as multiprocessing.Pool
        Assert.Equal(8, job.Chunks);
        Assert.Null(job.FutureIds); // over 1,000 futures the IDs are implied: {jobId}.{index}
        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal(99_999, page.Results.Count);
        Assert.All(page.Results, r => Assert.Equal(FutureState.Finished, r.State));
        // Python's own f(x) from the tutorial, computed by CPython 3.11.
        var python = new Dictionary<int, double>
        {
            [1] = 51.0, [2] = 52.976145806778966, [10] = 63.741303370145836, [100] = 159.63270811534503,
            [12500] = 12592.049070875793, [12501] = 12593.050070096713, [50001] = 50114.69884649846, [99999] = 100127.6551002185,
        };
        foreach (var (x, expected) in python)
        {
            var actual = page.Results[x - 1].Result!.Value.GetDouble();
            Assert.True(Math.Abs(actual - expected) <= 1e-9 * expected, $"f({x}) = {actual}, Python says {expected}");
        }
    }

    /// <summary>concurrent.futures.as_completed over HTTP: wait for the first, take it out, repeat.</summary>
    private async Task<List<string>> AsCompletedAsync(IEnumerable<string> futureIds)
    {
        var pending = futureIds.ToList();
        var completed = new List<string>();
        while (pending.Count > 0)
        {
            using var response = await Client.PostAsJsonAsync("/futures/wait",
                new { futureIds = pending, returnWhen = "FIRST_COMPLETED", timeoutSeconds = 120 }, JobApi.Json);
            var wait = (await response.Content.ReadFromJsonAsync<WaitResponse>(JobApi.Json))!;
            Assert.NotEmpty(wait.Done);
            completed.AddRange(wait.Done);
            pending = [.. wait.NotDone];
        }
        return completed;
    }

    private static long Fib(int n) => n <= 2 ? 1 : Fib(n - 1) + Fib(n - 2);
}

[Collection("service-postgres")]
public sealed class TutorialExamplesTestsOnPostgreSql(PostgresServiceFixture service) : TutorialExamplesTests(service);
