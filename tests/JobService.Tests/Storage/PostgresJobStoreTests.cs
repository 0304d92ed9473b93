using System.Text;
using JobService.Api.Storage;
using JobService.Api.Storage.Postgres;
using Npgsql;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Storage;

/// <summary>The contract on PostgreSQL, plus what only a shared store has: several nodes, leases that run out.</summary>
public sealed class PostgresJobStoreTests : JobStoreContract
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(2);
    private readonly List<StoreNode> _others = [];
    private string _database = "";

    protected override async Task<StoreNode> StartNodeAsync()
    {
        _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        return await StoreNode.PostgresAsync(_database, ShortLease);
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
    public async Task AUnitLeasedAtIntakeIsGivenAtOnceAndItsOutcomesAreWrittenOnceTheJobIsCommitted()
    {
        var job = EchoJob(items: 1);

        var added = Store.Add(job, claimHere: 1);
        var recording = Store.RecordAsync(added.Claims[0], new[] { Finished(0, "\"early\"") }, default).AsTask();
        await added.Committed;

        Assert.True(await recording);
        var future = await Store.GetFutureAsync(new FutureId(job.Spec.Id, 0), TimeSpan.Zero, default);
        Assert.Equal("\"early\"", Encoding.UTF8.GetString(future!.Result.Span));
        Assert.Equal(1, future.Attempts);
    }

    [Fact(Timeout = 30_000)]
    public async Task AUnitLeasedAtIntakeIsNoOtherNodesToClaimUntilItsLeaseRunsOut()
    {
        var job = EchoJob(items: 2, chunksize: 1);
        await Store.Add(job, claimHere: 1).Committed;
        var other = await OtherNodeAsync();

        Assert.Null(await other.ClaimUnitAsync(new UnitKey(job.Spec.Id, 0), workerPid: 42, default));
        Assert.Equal(1, (await other.ClaimNextAsync(["default"], workerPid: 42, default))!.Unit);
        await Task.Delay(ShortLease + TimeSpan.FromMilliseconds(500));
        var takeover = await other.ClaimNextAsync(["default"], workerPid: 42, default);

        Assert.Equal((job.Spec.Id, 0, 2), (takeover!.Job.Id, takeover.Unit, takeover.Attempts));
    }

    [Fact(Timeout = 30_000)]
    public async Task WritesUnderAUnitLeasedByAnIntakeWhoseCommitFailedAreDropped()
    {
        var job = EchoJob(items: 1);
        await Store.Add(job, claimHere: 0).Committed;

        // The same job again: its commit fails on the job's key, so its unit never becomes this node's.
        var again = Store.Add(job, claimHere: 1);
        await Assert.ThrowsAsync<PostgresException>(() => again.Committed);

        Assert.False(await Store.RecordAsync(again.Claims[0], new[] { Finished(0, "1") }, default));
        Assert.Null(await Store.RenewAsync(again.Claims[0], default));
        var future = await Store.GetFutureAsync(new FutureId(job.Spec.Id, 0), TimeSpan.Zero, default);
        Assert.Equal(FutureState.Pending, future!.State);
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
    public async Task AResultsStreamOnTheNodeHoldingAUnitListsAnItemAnotherNodeCancelled()
    {
        // A unit this big has its batches kept in this node's memory, where the stream finds them without the database.
        var claim = await AddAndClaimAsync(items: 300);
        await Store.RecordAsync(claim, new[] { Finished(0, "0") }, default);
        var other = await OtherNodeAsync();
        var reading = StatesAsync(claim.Job.Id, limit: 2, wait: TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        Assert.False(reading.IsCompleted);

        await other.CancelFutureAsync(new FutureId(claim.Job.Id, 1), force: true, default);

        Assert.Equal([FutureState.Finished, FutureState.Cancelled], await reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact(Timeout = 30_000)]
    public async Task AResultsStreamListsAnItemAnotherNodeCancelledAfterThisNodeClaimedItsUnitOnceTheStreamHadBegun()
    {
        var (jobId, reading) = await StreamTwoUnitsAsync();
        var other = await OtherNodeAsync();
        var second = await ClaimAndFinishFirstUnitAsync(jobId);
        await Store.RecordAsync(second, new[] { Finished(300, "0") }, default);
        await Task.Delay(300);
        Assert.False(reading.IsCompleted);

        await other.CancelFutureAsync(new FutureId(jobId, 301), force: true, default);

        Assert.Equal([FutureState.Finished, FutureState.Cancelled], (await reading.WaitAsync(TimeSpan.FromSeconds(10)))[^2..]);
    }

    [Fact(Timeout = 30_000)]
    public async Task AResultsStreamListsAnItemAnotherNodeCancelledBeforeThisNodeClaimedItsUnitOnceTheStreamHadBegun()
    {
        var (jobId, reading) = await StreamTwoUnitsAsync();
        await (await OtherNodeAsync()).CancelFutureAsync(new FutureId(jobId, 301), force: true, default);
        var second = await ClaimAndFinishFirstUnitAsync(jobId);

        await Store.RecordAsync(second, new[] { Finished(300, "0") }, default);

        Assert.Equal([FutureState.Finished, FutureState.Cancelled], (await reading.WaitAsync(TimeSpan.FromSeconds(10)))[^2..]);
    }

    /// <summary>A job of two 300-item units (big enough to have their batches kept in memory), and a stream of items 0..301 begun on it.</summary>
    private async Task<(string JobId, Task<List<FutureState>> Reading)> StreamTwoUnitsAsync()
    {
        var jobId = await AddJobAsync(items: 600, chunksize: 300);
        var reading = StatesAsync(jobId, limit: 302, wait: TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        return (jobId, reading);
    }

    /// <summary>Claims the second unit, then the first, and finishes the first: the stream reaches the second unit after its claim.</summary>
    private async Task<UnitClaim> ClaimAndFinishFirstUnitAsync(string jobId)
    {
        var second = (await Store.ClaimUnitAsync(new UnitKey(jobId, 1), workerPid: 42, default))!;
        var first = (await Store.ClaimUnitAsync(new UnitKey(jobId, 0), workerPid: 42, default))!;
        await Store.RecordAsync(first, Enumerable.Range(0, 300).Select(i => Finished(i, "0")).ToArray(), default);
        return second;
    }

    [Fact(Timeout = 30_000)]
    public async Task AResultsStreamOnTheNodeHoldingAUnitListsItsOutcomesAsTheyAreRecorded()
    {
        var claim = await AddAndClaimAsync(items: 300);
        var reading = StatesAsync(claim.Job.Id, limit: 3, wait: TimeSpan.FromSeconds(20));

        foreach (var index in new[] { 0, 1, 2 })
        {
            await Task.Delay(100);
            await Store.RecordAsync(claim, new[] { Finished(index, "1") }, default);
        }

        Assert.Equal([FutureState.Finished, FutureState.Finished, FutureState.Finished], await reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact(Timeout = 30_000)]
    public async Task AResultsStreamOnTheNodeThatRecordedTheOutcomesListsTheSameAsOneOnAnotherNode()
    {
        var claim = await AddAndClaimAsync(items: 300);
        string[] results = ["50112.66830808054", "-0.25", "\"text\"", "[1,2]", "12345678901234567890"];
        var outcomes = Enumerable.Range(0, 300).Select(i => i % 7 == 3 ? Failed(i) : Finished(i, results[i % results.Length])).ToArray();
        await Store.RecordAsync(claim, outcomes[..150], default);
        await Store.RecordAsync(claim, outcomes[150..], default);
        var other = await OtherNodeAsync();

        // The first stream here takes the batches this node kept; the other node reads the committed rows.
        var here = await EntriesAsync(Store, claim.Job.Id);
        var there = await EntriesAsync(other, claim.Job.Id);

        Assert.Equal(300, here.Count);
        Assert.Equal(there, here);
        Assert.Equal("50112.66830808054", here[0].Result);
        Assert.Equal(("ValueError", "boom"), (here[3].Error!.Type, here[3].Error!.Message));
    }

    private static async Task<List<(int Index, FutureState State, string Result, FutureError? Error)>> EntriesAsync(IJobStore store, string jobId)
    {
        var entries = new List<(int, FutureState, string, FutureError?)>();
        await foreach (var batch in store.ReadResultsAsync(jobId, ResultOrder.Submitted, 0, int.MaxValue, DateTimeOffset.UtcNow, default))
            foreach (var entry in batch.ToArray()) entries.Add((entry.Index, entry.State, Encoding.UTF8.GetString(entry.Result.Span), entry.Error));
        return entries;
    }

    private async Task<List<FutureState>> StatesAsync(string jobId, int limit, TimeSpan wait)
    {
        var states = new List<FutureState>();
        await foreach (var batch in Store.ReadResultsAsync(jobId, ResultOrder.Submitted, 0, limit, DateTimeOffset.UtcNow + wait, default))
            foreach (var entry in batch.ToArray()) states.Add(entry.State);
        return states;
    }

    [Fact(Timeout = 30_000)]
    public async Task BatchesRecordedCloseTogetherAreEachFollowedByANotificationForOtherNodes()
    {
        var claim = await AddAndClaimAsync(items: 3);
        await using var listener = new NpgsqlConnection(_database);
        await listener.OpenAsync();
        var heard = 0;
        listener.Notification += (_, e) => { if (e.Payload.StartsWith(claim.Job.Id, StringComparison.Ordinal)) heard++; };
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresListener.JobChanged}", listener)) await listen.ExecuteNonQueryAsync();
        // The job's intake may have taken this node's turn to notify, or owed one its fallback sends: once both have passed, the
        // first write takes the next turn.
        await Task.Delay(NoticePacer.JobSpacing * 2);

        await Store.RecordAsync(claim, new[] { Finished(0, "0") }, default);
        await Store.RecordAsync(claim, new[] { Finished(1, "1") }, default);

        // The first is announced by its own write; the second, written right after, by one sent once the spacing has passed.
        while (heard < 2 && await listener.WaitAsync(TimeSpan.FromSeconds(5))) { }
        Assert.Equal(2, heard);
    }

    [Fact(Timeout = 30_000)]
    public async Task JobsEndingTogetherAreAnnouncedToOtherNodesInFewerNotificationsThatNameEveryJob()
    {
        var claims = new List<UnitClaim>();
        for (var i = 0; i < 20; i++) claims.Add(await AddAndClaimAsync(items: 1));
        await using var listener = new NpgsqlConnection(_database);
        await listener.OpenAsync();
        var (notifications, named) = (0, new HashSet<string>());
        listener.Notification += (_, e) =>
        {
            notifications++;
            named.UnionWith(e.Payload.Split(' ')[0].Split(','));
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresListener.JobChanged}", listener)) await listen.ExecuteNonQueryAsync();

        await Task.WhenAll(claims.Select(c => Store.RecordAsync(c, new[] { Finished(0, "0") }, default).AsTask()));

        var jobs = claims.Select(c => c.Job.Id).ToHashSet();
        while (!jobs.IsSubsetOf(named) && await listener.WaitAsync(TimeSpan.FromSeconds(5))) { }
        Assert.Subset(named, jobs);
        Assert.InRange(notifications, 1, jobs.Count - 1);
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

    [Fact(Timeout = 30_000)]
    public async Task AnOutcomeCommittedBehindAnOlderOpenTransactionIsNotListedUntilThatOneEndsAndThenComesAfterIt()
    {
        var (jobId, older) = await RecordBehindAnOlderTransactionAsync();
        await using var _ = older;

        var meanwhile = await CompletedAsync(jobId, offset: 0);
        using var outcome = new UnitCodec.OutcomeWriter();
        outcome.Write(0, FutureState.Finished, 42, 1, "0"u8, null);
        await Execute(older.Connection, $"INSERT INTO jobservice.results (job_id, unit, batch, min_index, max_index, data, format, outcomes) VALUES ($1, 0, 0, 0, 0, $2, {UnitCodec.CurrentFormat}, 1)",
            jobId, outcome.ToArray());
        await older.Transaction.CommitAsync();

        // seq alone would have listed item 1 at position 0, then item 0 behind it: a position would have changed its item.
        Assert.Empty(meanwhile);
        Assert.Equal([0, 1], await CompletedAsync(jobId, offset: 0));
    }

    [Fact(Timeout = 30_000)]
    public async Task AReadPastItsDeadlineStillWaitsForACommittedOutcomeToSettle()
    {
        var (jobId, older) = await RecordBehindAnOlderTransactionAsync();
        await using var _ = older;

        // Its deadline is now, and item 1's row is committed but not settled behind the older transaction.
        var reading = CompletedAsync(jobId, offset: 0);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await older.Transaction.CommitAsync();

        Assert.Equal([1], await reading);
    }

    /// <summary>A two-unit job whose item 1 is recorded while another connection holds an older transaction open.</summary>
    private async Task<(string JobId, OlderTransaction Older)> RecordBehindAnOlderTransactionAsync()
    {
        var jobId = await AddJobAsync(items: 2, chunksize: 1);
        var second = (await Store.ClaimUnitAsync(new UnitKey(jobId, 1), workerPid: 42, default))!;
        var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        var older = new OlderTransaction(connection, await connection.BeginTransactionAsync());
        // The older writer has its transaction ID, as a store write has once it locks its unit.
        await Execute(connection, "SELECT pg_current_xact_id()");
        await Store.RecordAsync(second, new[] { Finished(1, "1") }, default);
        return (jobId, older);
    }

    private sealed record OlderTransaction(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ExpiryDeletesTheOutcomeRowsOfTheJobsItForgets()
    {
        var done = await AddAndClaimAsync(items: 1);
        await Store.RecordAsync(done, new[] { Finished(0, "1") }, default);
        var before = await ResultRowsAsync(done.Job.Id);

        await Store.ExpireAsync(DateTimeOffset.UtcNow.AddSeconds(5), default);

        Assert.Equal((1L, 0L), (before, await ResultRowsAsync(done.Job.Id)));
    }

    private async Task<long> ResultRowsAsync(string jobId)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM jobservice.results WHERE job_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = jobId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact(Timeout = 60_000)]
    public async Task NodesStartingTogetherUpgradeAVersion4DatabaseAndItsOutcomesComeFirstInTheCompletionOrder()
    {
        var jobId = await AddJobAsync(items: 4, chunksize: 2);
        var first = (await Store.ClaimUnitAsync(new UnitKey(jobId, 0), workerPid: 42, default))!;
        await Store.RecordAsync(first, new[] { Finished(1, "1"), Finished(0, "0") }, default);
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await Execute(connection, "ALTER TABLE jobservice.results DROP COLUMN xid, DROP COLUMN outcomes; UPDATE jobservice.schema_version SET version = 4");
        }

        var upgraded = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => StoreNode.PostgresAsync(_database, ShortLease))));
        _others.AddRange(upgraded);
        var store = upgraded[0].Store;
        var second = (await store.ClaimUnitAsync(new UnitKey(jobId, 1), workerPid: 42, default))!;
        await store.RecordAsync(second, new[] { Finished(3, "3"), Finished(2, "2") }, default);

        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var version = new NpgsqlCommand("SELECT version FROM jobservice.schema_version", connection);
            Assert.Equal(PostgresSchema.Version, (int)(await version.ExecuteScalarAsync())!);
        }
        Assert.Equal([1, 0, 3, 2], await CompletedAsync(jobId, offset: 0));
        Assert.Equal([0, 3, 2], await CompletedAsync(jobId, offset: 1));
    }

    [Fact(Timeout = 30_000)]
    public async Task ANodeRefusesToStartOnADatabaseANewerVersionHasUpgraded()
    {
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await Execute(connection, $"UPDATE jobservice.schema_version SET version = {PostgresSchema.Version + 1}");
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StoreNode.PostgresAsync(_database, ShortLease));

        Assert.Contains($"newer than this node's ({PostgresSchema.Version})", Flatten(refused));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} {Flatten(e.InnerException)}";

    [Fact(Timeout = 30_000)]
    public async Task AUnitWhoseArgumentsWereWrittenBeforeVersion6IsClaimedWithThem()
    {
        var jobId = await AddJobAsync(items: 2);
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            byte[] format1 = [1, 0, 0, 0, 1, 0, 0, 0, .. "5"u8, .. "6"u8];
            await Execute(connection, "UPDATE jobservice.units SET args = $2, args_format = 1 WHERE job_id = $1", jobId, format1);
        }

        var claim = (await Store.ClaimUnitAsync(new UnitKey(jobId, 0), workerPid: 42, default))!;

        Assert.Equal(["5", "6"], new[] { 0, 1 }.Select(i => Encoding.UTF8.GetString(claim.Items[i].Span)));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }
}
