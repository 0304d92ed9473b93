using System.Net;
using JobService.Client;
using JobService.Tests.Infrastructure;
using JobService.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace JobService.Tests.Clients;

/// <summary>The .NET client (src/Client) against a real node: the tutorial's three examples, then futures' timeouts and cancels.</summary>
public sealed class DotnetClientTests(ServiceFixture service) : IClassFixture<ServiceFixture>, IAsyncLifetime
{
    private static readonly long[] Fibs = [610, 987, 1597, 2584, 4181, 6765, 10946, 17711, 28657, 46368, 75025, 121393, 196418, 317811, 514229, 832040, 1346269];
    private JobServiceExecutor _executor = null!;

    public Task InitializeAsync()
    {
        _executor = new JobServiceExecutor(service.Client.BaseAddress!);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _executor.DisposeAsync();

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapOfFibYieldsTheTutorialsValuesInItemOrder()
    {
        var results = new List<long>();
        await foreach (var fib in _executor.MapAsync<long>("fib", Enumerable.Range(15, 17)))
            results.Add(fib);

        Assert.Equal(Fibs, results);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task SubmittedFibCheckedCompleteOneByOneAndOnly31RaisesTheRemoteErrorWithItsTraceback()
    {
        var numbers = new Dictionary<JobFuture, int>();
        foreach (var n in Enumerable.Range(15, 17))
            numbers[await _executor.SubmitAsync("fib_checked", n)] = n;

        var completed = new List<JobFuture>();
        await foreach (var future in _executor.AsCompletedAsync(numbers.Keys, TimeSpan.FromMinutes(2)))
        {
            completed.Add(future);
            Assert.True(future.Done);
            var n = numbers[future];
            if (n == 31)
            {
                var error = await Assert.ThrowsAsync<RemoteException>(() => future.GetResultAsync<long>());
                Assert.Equal("fib must less than 31", error.Message);
                Assert.Equal("Exception", error.RemoteType);
                Assert.Equal(future.Id, error.FutureId);
                Assert.Contains("FibChecked", error.RemoteTraceback);
                Assert.Contains("Remote traceback", error.ToString());
            }
            else Assert.Equal(Fibs[n - 15], await future.GetResultAsync<long>());
        }

        Assert.Equal(numbers.Keys.Select(f => f.Id).Order(), completed.Select(f => f.Id).Order());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task PowerSumMapOver99999ItemsWithChunksMatchesTheFormula()
    {
        const int n = 99_999;
        var results = new List<double>(n);
        await foreach (var value in _executor.MapAsync<double>("power_sum", Enumerable.Range(1, n), chunksize: (n + 7) / 8))
            results.Add(value);

        Assert.Equal(n, results.Count);
        // Python's own f(x) from the tutorial, computed by CPython 3.11.
        var python = new Dictionary<int, double> { [1] = 51.0, [2] = 52.976145806778966, [12501] = 12593.050070096713, [99999] = 100127.6551002185 };
        foreach (var (x, expected) in python)
            Assert.True(Math.Abs(results[x - 1] - expected) <= 1e-9 * expected, $"f({x}) = {results[x - 1]}, Python says {expected}");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapThrowsTheRemoteErrorAtItsItemAfterTheItemsBeforeIt()
    {
        var results = new List<long>();

        var error = await Assert.ThrowsAsync<RemoteException>(async () =>
        {
            await foreach (var fib in _executor.MapAsync<long>("fib_checked", new[] { 29, 30, 31, 15 }))
                results.Add(fib);
        });

        Assert.Equal([514229, 832040], results);
        Assert.Equal("fib must less than 31", error.Message);
        Assert.EndsWith(".2", error.FutureId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapYieldsNullResultsAsNullsAndArraysSpreadOverParameters()
    {
        var echoed = new List<int?>();
        await foreach (var value in _executor.MapAsync<int?>("echo", new object?[] { 1, null, 3 }))
            echoed.Add(value);
        var sums = new List<int>();
        await foreach (var sum in _executor.MapAsync<int>("add", new[] { new[] { 1, 2 }, new[] { 3, 4 } }))
            sums.Add(sum);

        Assert.Equal([1, null, 3], echoed);
        Assert.Equal([3, 7], sums);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AResultTimeoutThrowsTimeoutExceptionAndTheFutureGoesOn()
    {
        var future = await _executor.SubmitAsync("sleep", 1.5);

        await Assert.ThrowsAsync<TimeoutException>(() => future.GetResultAsync<double>(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(1.5, await future.GetResultAsync<double>(TimeSpan.FromMinutes(1)));
        Assert.Equal(FutureState.Finished, future.State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task CancelTakesAPendingFutureAndRefusesARunningOneUnlessForced()
    {
        // Two workers: two sleeps hold them, so the third call waits its turn.
        var running = new[] { await _executor.SubmitAsync("sleep", 30), await _executor.SubmitAsync("sleep", 30) };
        var pending = await _executor.SubmitAsync("echo", 1);
        foreach (var future in running)
            while (await future.RefreshAsync() != FutureState.Running) await Task.Delay(20);

        Assert.True(await pending.CancelAsync());
        Assert.False(await running[0].CancelAsync());
        Assert.True(await running[0].CancelAsync(force: true));
        Assert.True(await running[1].CancelAsync(force: true));

        await Assert.ThrowsAsync<FutureCancelledException>(() => pending.GetResultAsync<int>());
        Assert.Equal(FutureState.Cancelled, pending.State);
        var all = await _executor.WaitAsync([.. running, pending], ReturnWhen.AllCompleted, TimeSpan.FromMinutes(1));
        Assert.Equal(3, all.Done.Count);
        Assert.Empty(all.NotDone);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitFirstCompletedReturnsOnceOneIsDone()
    {
        var slow = await _executor.SubmitAsync("sleep", 20);
        var quick = await _executor.SubmitAsync("echo", 7);

        var first = await _executor.WaitAsync([slow, quick], ReturnWhen.FirstCompleted, TimeSpan.FromMinutes(1));

        Assert.Contains(quick, first.Done);
        Assert.Contains(slow, first.NotDone);
        Assert.True(await slow.CancelAsync(force: true));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ConcurrentSubmitsShareRoundTripsAndABadCallFailsAlone()
    {
        var futures = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _executor.SubmitAsync("echo", i)));
        var good = Enumerable.Range(0, 20).Select(i => _executor.SubmitAsync("echo", i)).ToList();
        var bad = _executor.SubmitAsync("no_such_function", 1);

        var refused = await Assert.ThrowsAsync<JobServiceException>(() => bad);
        var goodFutures = await Task.WhenAll(good);

        // The first call went alone; every call made while it was in flight rode in the next POST.
        Assert.InRange(futures.Select(f => f.JobId).Distinct().Count(), 1, 2);
        for (var i = 0; i < futures.Length; i++) Assert.Equal(i, await futures[i].GetResultAsync<int>());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("no_such_function", refused.Message);
        for (var i = 0; i < goodFutures.Length; i++) Assert.Equal(i, await goodFutures[i].GetResultAsync<int>());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task TheTypedClientReadsEveryEndpointAndTurnsProblemsIntoExceptions()
    {
        var client = _executor.Client;
        var job = await client.CreateJobAsync(new JobRequest(JobType.Map, "echo", [.. Enumerable.Range(0, 5).Select(i => System.Text.Json.JsonSerializer.SerializeToElement(i))]));

        var lines = new List<ResultLine>();
        await foreach (var line in client.GetResultLinesAsync(job.JobId, ResultOrder.Completed, wait: TimeSpan.FromMinutes(1)))
            lines.Add(line);
        var view = await client.GetJobAsync(job.JobId);
        var listed = await client.ListJobsAsync(limit: 100);
        var future = await client.GetFutureAsync($"{job.JobId}.3", TimeSpan.FromSeconds(10));
        var functions = await client.GetFunctionsAsync();
        var missing = await Assert.ThrowsAsync<JobServiceException>(() => client.GetJobAsync("nosuchjob0123456789"));

        Assert.Equal(Enumerable.Range(0, 5), lines.Select(l => l.Index).Order());
        Assert.All(lines, l => Assert.Equal(FutureState.Finished, l.State));
        Assert.Equal(JobState.Completed, view.State);
        Assert.Contains(listed.Jobs, j => j.JobId == job.JobId);
        Assert.Equal(3, future.Result!.Value.GetInt32());
        Assert.Contains(functions, f => f.Name == "fib");
        Assert.True(missing.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, missing.Message);
        Assert.False(string.IsNullOrEmpty(missing.Title));
        Assert.False(string.IsNullOrEmpty(missing.Detail));
        Assert.Equal(0, (await client.CancelJobAsync(job.JobId)).Cancelled);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AddJobServiceClientRegistersAWorkingClientAndExecutor()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddJobServiceClient(o => o.BaseAddress = service.Client.BaseAddress);
        await using var provider = services.BuildServiceProvider();

        var executor = provider.GetRequiredService<JobServiceExecutor>();
        var future = await executor.SubmitAsync("fib", 20);

        Assert.Equal(6765, await future.GetResultAsync<int>(TimeSpan.FromMinutes(1)));
        Assert.Contains(await provider.GetRequiredService<JobServiceClient>().GetFunctionsAsync(), f => f.Name == "power_sum");
    }
}

/// <summary>The client on a node with API keys: the key goes as a bearer token; without one the service's 401 is thrown.</summary>
public sealed class DotnetClientApiKeyTests(KeyedHostFixture node) : IClassFixture<KeyedHostFixture>
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task AnExecutorWithAKeyRunsCallsAndOneWithoutIsRefused()
    {
        await using var alice = new JobServiceExecutor(node.Host.Client.BaseAddress!, KeyedHostFixture.Alice);
        await using var anonymous = new JobServiceExecutor(node.Host.Client.BaseAddress!);

        var future = await alice.SubmitAsync("echo", "hello");
        var refused = await Assert.ThrowsAsync<JobServiceException>(() => anonymous.SubmitAsync("echo", "hello"));

        Assert.Equal("hello", await future.GetResultAsync<string>(TimeSpan.FromMinutes(1)));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
    }
}
