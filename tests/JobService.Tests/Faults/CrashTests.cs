using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Faults;

/// <summary>
/// CPython's test_deadlock matrix (crash, exit or error while reading the arguments, running the
/// function, writing the result), plus native aborts and segfaults: only the item in flight is lost.
/// </summary>
[Collection("faults")]
public class CrashTests(FaultFixture faults)
{
    private HttpClient Client => faults.Client;

    [Theory(Timeout = Timeouts.Test)]
    [InlineData("crash", 1)]
    [InlineData("crash", 0)]
    [InlineData("crash", 134)]
    [InlineData("crash", 137)]
    [InlineData("crash", 139)]
    [InlineData("crash_in_args", 1)]
    [InlineData("crash_in_args", 139)]
    [InlineData("crash_in_result", 1)]
    [InlineData("crash_in_result", 139)]
    public async Task AWorkerThatDiesFailsOnlyTheItemItWasRunning(string function, int exitCode)
    {
        var page = await RunCallsAsync(("echo", ["before"]), (function, [exitCode]), ("echo", ["after"]));

        Assert.Equal([FutureState.Finished, FutureState.Failed, FutureState.Finished], page.Results.Select(r => r.State));
        Assert.Equal("before", page.Results[0].Result!.Value.GetString());
        Assert.Equal("after", page.Results[2].Result!.Value.GetString());
        Assert.Equal("WorkerCrashed", page.Results[1].Error!.Type);
        Assert.Contains($"exit code {exitCode}", page.Results[1].Error!.Message);
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AnExceptionWhileReadingTheArgumentsFailsTheItemAsATypeError()
    {
        var page = await RunCallsAsync(("fib", ["not a number"]), ("fib", [10]));

        Assert.Equal("TypeError", page.Results[0].Error!.Type);
        Assert.Equal(55, page.Results[1].Result!.Value.GetInt64());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AResultThatCannotBeSerialisedFailsTheItemAndTheWorkerGoesOn()
    {
        var page = await RunCallsAsync(("unserializable", []), ("fib", [10]));

        Assert.Equal("SerializationError", page.Results[0].Error!.Type);
        Assert.Contains("cannot be written as JSON", page.Results[0].Error!.Message);
        Assert.Equal(55, page.Results[1].Result!.Value.GetInt64());
        Assert.Equal(FutureState.Failed, page.Results[0].State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task KillingAWorkerFromOutsideFailsTheItemItWasRunning()
    {
        var job = await Client.CallAsync("sleep", 60.0);
        var id = job.FutureIds![0];
        await Client.WaitForStateAsync(id, FutureState.Running);
        var pid = (await Client.FutureAsync(id)).WorkerPid!.Value;

        ProcessTable.Signal(pid, 9);
        var future = await Client.FutureAsync(id, waitSeconds: 60);

        Assert.Equal(FutureState.Failed, future.State);
        Assert.Equal("WorkerCrashed", future.Error!.Type);
        Assert.Contains("exit code 137", future.Error.Message);
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ALargeChunkWrittenToAWorkerThatDiesLosesOnlyTheCrashingItem()
    {
        var filler = new string('x', 500);
        var items = new object[] { "crash" }.Concat(Enumerable.Repeat<object>(filler, 20_000)).ToArray();
        var job = await Client.MapAsync("crash_on", items, new { chunksize = items.Length });

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal(FutureState.Failed, page.Results[0].State);
        Assert.Contains("exit code 3", page.Results[0].Error!.Message);
        Assert.All(page.Results.Skip(1), r => Assert.Equal(FutureState.Finished, r.State));
        await faults.AssertPoolHealsAsync();
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task ACrashInABatchedSendIsPinnedOnItsItemAndNothingElseIsLost()
    {
        // Teach the node that crash_on is fast, so the next map runs in batched sends.
        await Client.ResultsAsync((await Client.MapAsync("crash_on", Enumerable.Range(0, 200).Select(i => (object)i))).JobId);
        var items = Enumerable.Range(0, 4000).Select(i => i == 2500 ? (object)"crash" : i).ToArray();

        var page = await Client.ResultsAsync((await Client.MapAsync("crash_on", items, new { chunksize = 4000 })).JobId);

        Assert.Equal(FutureState.Failed, page.Results[2500].State);
        Assert.Equal("WorkerCrashed", page.Results[2500].Error!.Type);
        Assert.Equal(3999, page.Results.Count(r => r.State == FutureState.Finished));
        Assert.All(page.Results.Where(r => r.Index != 2500), r => Assert.Equal(r.Index, r.Result!.Value.GetInt32()));
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task AStormOfFiftyCrashesAmongFiftyGoodCallsLosesNoGoodCall()
    {
        var calls = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? ("crash", new object[] { 1 }) : ("echo", new object[] { i })).ToArray();

        var page = await RunCallsAsync(calls);

        Assert.All(page.Results, r =>
        {
            if (r.Index % 2 == 0) Assert.Equal("WorkerCrashed", r.Error!.Type);
            else Assert.Equal(r.Index, r.Result!.Value.GetInt32());
        });
        await faults.AssertPoolHealsAsync();
    }

    private async Task<ResultsPage> RunCallsAsync(params (string Function, object[] Args)[] calls)
    {
        var job = await Client.SubmitAsync(new { type = "submit", calls = calls.Select(c => new { function = c.Function, args = c.Args }) });
        return await Client.ResultsAsync(job.JobId);
    }
}

[Collection("faults-postgres")]
public sealed class CrashTestsOnPostgreSql(PostgresFaultFixture faults) : CrashTests(faults);
