using System.Text;
using JobService.Api.Storage;

namespace JobService.Tests.Storage;

/// <summary>
/// What every job store guarantees under at-least-once delivery, which no HTTP test can provoke on cue:
/// Hangfire may deliver a unit twice, a killed worker's result may arrive after its item was cancelled,
/// and a unit may be claimed again after its first claim ended. Run against each provider.
/// </summary>
public abstract class JobStoreContract : IAsyncLifetime
{
    private StoreNode? _node;

    protected IJobStore Store => _node!.Store;

    /// <summary>A store as a node sees it; the PostgreSQL variant may make several on one database.</summary>
    protected abstract Task<StoreNode> StartNodeAsync();

    public async Task InitializeAsync() => _node = await StartNodeAsync();

    public virtual async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task ALateResultNeverOverwritesACancelledItem()
    {
        var claim = await AddAndClaimAsync(items: 1);
        await Store.ClaimItemsAsync(claim, [0], workerPid: 42, default);
        await Store.CancelFutureAsync(new FutureId(claim.Job.Id, 0), force: true, default);

        await Store.RecordAsync(claim, new[] { Finished(0, "7") }, default);

        var future = await Store.GetFutureAsync(new FutureId(claim.Job.Id, 0), TimeSpan.Zero, default);
        Assert.Equal(FutureState.Cancelled, future!.State);
        Assert.True(future.Result.IsEmpty);
    }

    [Fact(Timeout = 30_000)]
    public async Task RecordingTheSameOutcomeTwiceChangesNothing()
    {
        var claim = await AddAndClaimAsync(items: 1);

        await Store.RecordAsync(claim, new[] { Finished(0, "1") }, default);
        await Store.RecordAsync(claim, new[] { Finished(0, "2") }, default);

        var future = await Store.GetFutureAsync(new FutureId(claim.Job.Id, 0), TimeSpan.Zero, default);
        Assert.Equal("1", Encoding.UTF8.GetString(future!.Result.Span));
        Assert.Equal(1, future.Attempts);
        Assert.Equal(1, (await Store.GetJobAsync(claim.Job.Id, default))!.Counts.Finished);
    }

    [Fact(Timeout = 30_000)]
    public async Task AUnitClaimedAgainHoldsOnlyItsUnfinishedItems()
    {
        var claim = await AddAndClaimAsync(items: 3);
        await Store.RecordAsync(claim, new[] { Finished(0, "0"), Finished(2, "2") }, default);
        await Store.ReleaseAsync(claim, default);

        var again = await Store.ClaimUnitAsync(new UnitKey(claim.Job.Id, 0), workerPid: 42, default);

        Assert.Equal([1], again!.Pending);
        Assert.Equal(2, again.Attempts);
    }

    [Fact(Timeout = 30_000)]
    public async Task AUnitUnderALiveClaimCannotBeClaimedAgain()
    {
        var claim = await AddAndClaimAsync(items: 2);

        Assert.Null(await Store.ClaimUnitAsync(new UnitKey(claim.Job.Id, 0), workerPid: 42, default));
        Assert.Null(await Store.ClaimNextAsync(["default"], workerPid: 42, default));
    }

    [Fact(Timeout = 30_000)]
    public async Task ReleasedItemsArePendingAndReadyAgain()
    {
        var claim = await AddAndClaimAsync(items: 2);
        await Store.ClaimItemsAsync(claim, [0, 1], workerPid: 42, default);

        await Store.ReleaseAsync(claim, default);

        Assert.Equal(2, (await Store.GetJobAsync(claim.Job.Id, default))!.Counts.Pending);
        Assert.Equal([new UnitKey(claim.Job.Id, 0)], await Store.ReadyUnitsAsync("default", 10, default));
    }

    [Fact(Timeout = 30_000)]
    public async Task TheLastOutcomeCompletesTheJobAndItsResultsReadInItemOrder()
    {
        var claim = await AddAndClaimAsync(items: 3);

        await Store.RecordAsync(claim, new[] { Finished(2, "\"c\""), Finished(0, "\"a\"") }, default);
        await Store.RecordAsync(claim, new[] { Failed(1) }, default);

        var job = await Store.GetJobAsync(claim.Job.Id, default);
        Assert.Equal(JobState.Completed, job!.State);
        Assert.NotNull(job.CompletedAt);
        var results = new List<ResultEntry>();
        await foreach (var batch in Store.ReadResultsAsync(claim.Job.Id, ResultOrder.Submitted, 0, int.MaxValue, DateTimeOffset.UtcNow, default))
            results.AddRange(batch.ToArray());
        Assert.Equal([FutureState.Finished, FutureState.Failed, FutureState.Finished], results.Select(r => r.State));
        Assert.Equal("boom", results[1].Error!.Message);
        Assert.Equal("\"c\"", Encoding.UTF8.GetString(results[2].Result.Span));
    }

    [Fact(Timeout = 30_000)]
    public async Task AWaitingLongPollWakesWhenItsFutureEnds()
    {
        var claim = await AddAndClaimAsync(items: 1);
        var waiting = Store.GetFutureAsync(new FutureId(claim.Job.Id, 0), TimeSpan.FromSeconds(20), default).AsTask();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        await Store.RecordAsync(claim, new[] { Finished(0, "1") }, default);

        Assert.Equal(FutureState.Finished, (await waiting.WaitAsync(TimeSpan.FromSeconds(5)))!.State);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExpiryForgetsCompletedJobsOnly()
    {
        var done = await AddAndClaimAsync(items: 1);
        await Store.RecordAsync(done, new[] { Finished(0, "1") }, default);
        var open = await AddJobAsync(items: 1);

        var (jobs, items) = await Store.ExpireAsync(DateTimeOffset.UtcNow.AddSeconds(5), default);

        Assert.Equal((1, 1L), (jobs, items));
        Assert.Null(await Store.GetJobAsync(done.Job.Id, default));
        Assert.NotNull(await Store.GetJobAsync(open, default));
    }

    [Fact(Timeout = 60_000)]
    public async Task AUnitThatFailsInTheNodeFailsEveryItemItClaimedInsteadOfLeavingThemRunning()
    {
        var claim = await AddAndClaimAsync(items: 3);
        // Three arguments of 90 MB each (one buffer, shared): their chunk is over the 256 MB frame limit, so the unit
        // throws while it writes the chunk, as a job accepted with a chunk too large once did.
        var huge = GC.AllocateUninitializedArray<byte>(90 * 1024 * 1024);
        var unsendable = claim with { Items = new UnitItems(0, new ItemArguments(huge, [0, 0, 0], [huge.Length, huge.Length, huge.Length], 3, null)) };
        await using var node = await RunnerNode.StartAsync(Store);

        await node.RunAsync(unsendable);

        var job = await Store.GetJobAsync(claim.Job.Id, default);
        Assert.Equal(JobState.Completed, job!.State);
        Assert.Equal(3, job.Counts.Failed);
        var future = await Store.GetFutureAsync(new FutureId(claim.Job.Id, 1), TimeSpan.Zero, default);
        Assert.Equal("InternalError", future!.Error!.Type);
        Assert.Contains("not retried", future.Error.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task TheCompletionOrderReadFromAnOffsetContinuesExactlyWhereAnEarlierReadStopped()
    {
        var jobId = await AddJobAsync(items: 6, chunksize: 2);
        var claims = new List<UnitClaim>();
        for (var unit = 0; unit < 3; unit++) claims.Add((await Store.ClaimUnitAsync(new UnitKey(jobId, unit), workerPid: 42, default))!);
        await Store.RecordAsync(claims[2], new[] { Finished(5, "5") }, default);
        await Store.RecordAsync(claims[0], new[] { Finished(0, "0"), Failed(1) }, default);
        await Store.RecordAsync(claims[1], new[] { Finished(3, "3"), Finished(2, "2") }, default);
        await Store.RecordAsync(claims[2], new[] { Finished(4, "4") }, default);

        var whole = await CompletedAsync(jobId, offset: 0);
        var pieces = new List<int>();
        for (var offset = 0; offset < 6; offset += 2) pieces.AddRange(await CompletedAsync(jobId, offset, limit: 2));

        Assert.Equal([5, 0, 1, 3, 2, 4], whole);
        Assert.Equal(whole, pieces);
        Assert.Equal([2, 4], await CompletedAsync(jobId, offset: 4));
    }

    protected async Task<List<int>> CompletedAsync(string jobId, int offset, int limit = int.MaxValue)
    {
        var indexes = new List<int>();
        await foreach (var batch in Store.ReadResultsAsync(jobId, ResultOrder.Completed, offset, limit, DateTimeOffset.UtcNow, default))
            foreach (var entry in batch.ToArray()) indexes.Add(entry.Index);
        return indexes;
    }

    protected async Task<UnitClaim> AddAndClaimAsync(int items) =>
        (await Store.ClaimUnitAsync(new UnitKey(await AddJobAsync(items), 0), workerPid: 42, default))!;

    /// <summary>Adds <see cref="EchoJob"/> and waits for its commit.</summary>
    protected async Task<string> AddJobAsync(int items, IJobStore? store = null, int? chunksize = null)
    {
        var job = EchoJob(items, chunksize);
        await (store ?? Store).Add(job, claimHere: 0).Committed;
        return job.Spec.Id;
    }

    /// <summary>A map of echo over 0..items-1, each taken modulo 10 (one digit), in one unit or, with <paramref name="chunksize"/>, one unit per chunk.</summary>
    protected static NewJob EchoJob(int items, int? chunksize = null)
    {
        var body = Encoding.UTF8.GetBytes(string.Join(",", Enumerable.Range(0, items).Select(i => i % 10)));
        var offsets = Enumerable.Range(0, items).Select(i => i * 2).ToArray();
        var spec = new JobSpec(FutureId.NewJobId(), JobType.Map, ["echo"], items, Spread: false,
            chunksize is { } size ? new JobPlan(size, (items + size - 1) / size, 1) : new JobPlan(items, 1, 1), new JobOptions(null, 0, "default"), DateTimeOffset.UtcNow);
        return new NewJob(spec, new ItemArguments(body, offsets, Enumerable.Repeat(1, items).ToArray(), items, null));
    }

    protected static ItemOutcome Finished(int index, string json) =>
        new(index, OutcomeKind.Finished, Encoding.UTF8.GetBytes(json), null, 42, 1);

    protected static ItemOutcome Failed(int index) =>
        new(index, OutcomeKind.Failed, default, new FutureError("ValueError", "boom", "Traceback…"), 42, 1);
}
