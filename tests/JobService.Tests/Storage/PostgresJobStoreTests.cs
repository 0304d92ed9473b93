using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Storage;

/// <summary>The contract on PostgreSQL, plus what only a shared store has: several nodes, leases that run out.</summary>
public sealed class PostgresJobStoreTests : JobStoreContract
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(2);
    private readonly List<StoreNode> _others = [];
    private string _database = "";
    private StoreNode? _node;

    protected override async Task<StoreNode> StartNodeAsync()
    {
        _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        return _node = await StoreNode.PostgresAsync(_database, ShortLease);
    }

    public override async Task DisposeAsync()
    {
        foreach (var node in _others) await node.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<IJobStore> OtherNodeAsync()
    {
        var node = await StoreNode.PostgresAsync(_database, ShortLease);
        _others.Add(node);
        return node.Store;
    }

    [Fact(Timeout = 30_000)]
    public async Task AnotherNodeTakesOverAUnitWhoseLeaseRanOutAndTheFirstNodesWritesAreDropped()
    {
        var first = await AddAndClaimAsync(items: 2);
        var other = await OtherNodeAsync();
        Assert.Null(await other.ClaimUnitAsync(new UnitKey(first.Job.Id, 0), workerPid: 42, default));

        await Task.Delay(ShortLease + TimeSpan.FromMilliseconds(500));
        var takeover = await other.ClaimNextAsync(["default"], workerPid: 42, default);
        await Store.RecordAsync(first, new[] { Finished(0, "\"late\"") }, default);
        await other.RecordAsync(takeover!, new[] { Finished(0, "\"new\""), Finished(1, "1") }, default);

        Assert.Equal(2, takeover!.Attempts);
        Assert.Null(await Store.RenewAsync(first, default));
        var future = await Store.GetFutureAsync(new FutureId(first.Job.Id, 0), TimeSpan.Zero, default);
        Assert.Equal("\"new\"", System.Text.Encoding.UTF8.GetString(future!.Result.Span));
        Assert.Equal(JobState.Completed, (await other.GetJobAsync(first.Job.Id, default))!.State);
    }

    [Fact(Timeout = 30_000)]
    public async Task ANewJobsFirstUnitGoesLeasedToADrainerOfThisNodeThatWaitsForUnits()
    {
        string jobId;
        using (_node!.Idle.Waiting()) jobId = await AddJobAsync(items: 2);
        var other = await OtherNodeAsync();

        var handed = await Store.ClaimNextAsync(["default"], workerPid: 42, default);

        Assert.Equal((jobId, 0, 1), (handed!.Job.Id, handed.Unit, handed.Attempts));
        Assert.Null(await other.ClaimNextAsync(["default"], workerPid: 42, default));
        await Store.RecordAsync(handed, new[] { Finished(0, "0"), Finished(1, "1") }, default);
        Assert.Equal(JobState.Completed, (await other.GetJobAsync(jobId, default))!.State);
    }

    [Fact(Timeout = 30_000)]
    public async Task AUnitHandedOverBeforeACommitThatFailedWritesNothing()
    {
        var jobId = await AddJobAsync(items: 1);
        using (_node!.Idle.Waiting())
            await Assert.ThrowsAnyAsync<Exception>(() => AddJobAsync(items: 1, jobId: jobId));

        var handed = await Store.ClaimNextAsync(["default"], workerPid: 42, default);

        Assert.False(await Store.RecordAsync(handed!, new[] { Finished(0, "\"from the failed job\"") }, default));
        Assert.Null(await Store.RenewAsync(handed!, default));
        Assert.Equal(FutureState.Pending, (await Store.GetFutureAsync(new FutureId(jobId, 0), TimeSpan.Zero, default))!.State);
    }

    [Fact(Timeout = 30_000)]
    public async Task ALongPollOnOneNodeWakesWhenAnotherNodeRecordsTheResult()
    {
        var claim = await AddAndClaimAsync(items: 1);
        var other = await OtherNodeAsync();
        var waiting = other.GetFutureAsync(new FutureId(claim.Job.Id, 0), TimeSpan.FromSeconds(20), default).AsTask();
        await Task.Delay(300);

        var recorded = DateTime.UtcNow;
        await Store.RecordAsync(claim, new[] { Finished(0, "1") }, default);

        Assert.Equal(FutureState.Finished, (await waiting.WaitAsync(TimeSpan.FromSeconds(5)))!.State);
        Assert.True(DateTime.UtcNow - recorded < TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 30_000)]
    public async Task AForceCancelOnOneNodeReachesTheNodeRunningTheItem()
    {
        var claim = await AddAndClaimAsync(items: 3);
        var other = await OtherNodeAsync();

        await other.CancelFutureAsync(new FutureId(claim.Job.Id, 1), force: true, default);

        Assert.Equal([1], await Store.RenewAsync(claim, default));
    }

    [Fact(Timeout = 60_000)]
    public async Task NodesStartingTogetherOnAnEmptyDatabaseAllCreateTheSchemaWithoutError()
    {
        var empty = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => StoreNode.PostgresAsync(empty, ShortLease))));
        _others.AddRange(nodes);

        var job = await AddJobAsync(items: 1, nodes[0].Store);
        Assert.NotNull(await nodes[3].Store.GetJobAsync(job, default));
    }
}
