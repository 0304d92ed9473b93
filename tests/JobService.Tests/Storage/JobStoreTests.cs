using System.Text;
using JobService.Api.Storage;

namespace JobService.Tests.Storage;

/// <summary>
/// The store's at-least-once guarantees, which no HTTP test can provoke on cue: Hangfire may deliver
/// a unit twice, and a killed worker's result may arrive after its item was cancelled.
/// </summary>
public sealed class JobStoreTests
{
    private readonly InMemoryJobStoreAccess _store = new();

    [Fact]
    public async Task ALateResultNeverOverwritesACancelledItem()
    {
        var job = await _store.AddAsync(items: 1);
        await _store.Store.ClaimAsync(job, [0], workerPid: 42, default);
        await _store.Store.CancelFutureAsync(new FutureId(job, 0), force: true, default);

        await _store.Store.RecordAsync(job, new[] { Finished(0, "7") }, default);

        var future = await _store.Store.GetFutureAsync(new FutureId(job, 0), TimeSpan.Zero, default);
        Assert.Equal(FutureState.Cancelled, future!.State);
        Assert.True(future.Result.IsEmpty);
    }

    [Fact]
    public async Task RecordingTheSameOutcomeTwiceChangesNothing()
    {
        var job = await _store.AddAsync(items: 1);
        await _store.Store.ClaimAsync(job, [0], workerPid: 42, default);

        await _store.Store.RecordAsync(job, new[] { Finished(0, "1") }, default);
        await _store.Store.RecordAsync(job, new[] { Finished(0, "2") }, default);

        var future = await _store.Store.GetFutureAsync(new FutureId(job, 0), TimeSpan.Zero, default);
        Assert.Equal("1", Encoding.UTF8.GetString(future!.Result.Span));
        Assert.Equal(1, future.Attempts);
        Assert.Equal(1, (await _store.Store.GetJobAsync(job, default))!.Counts.Finished);
    }

    [Fact]
    public async Task ARedeliveredUnitClaimsOnlyItsUnfinishedItems()
    {
        var job = await _store.AddAsync(items: 3);
        await _store.Store.ClaimAsync(job, [0, 1, 2], workerPid: 42, default);
        await _store.Store.RecordAsync(job, new[] { Finished(0, "0"), Finished(2, "2") }, default);

        var again = await _store.Store.ClaimAsync(job, [0, 1, 2], workerPid: 43, default);

        Assert.Equal([1], again);
    }

    [Fact]
    public async Task ReleasedItemsArePendingAgainForTheNextDelivery()
    {
        var job = await _store.AddAsync(items: 2);
        await _store.Store.ClaimAsync(job, [0, 1], workerPid: 42, default);

        await _store.Store.ReleaseAsync(job, [0, 1], default);

        Assert.Equal(2, (await _store.Store.GetJobAsync(job, default))!.Counts.Pending);
    }

    private static ItemOutcome Finished(int index, string json) =>
        new(index, OutcomeKind.Finished, Encoding.UTF8.GetBytes(json), null, 42, 1);

    /// <summary>An in-memory store holding jobs of echo calls.</summary>
    private sealed class InMemoryJobStoreAccess
    {
        public IJobStore Store { get; } = new InMemoryJobStore(TimeProvider.System);

        public async Task<string> AddAsync(int items)
        {
            var body = Encoding.UTF8.GetBytes(string.Join(",", Enumerable.Range(0, items)));
            var offsets = Enumerable.Range(0, items).Select(i => i * 2).ToArray();
            var spec = new JobSpec(FutureId.NewJobId(), JobType.Map, ["echo"],
                new ItemArguments(body, offsets, Enumerable.Repeat(1, items).ToArray(), items, null), Spread: false,
                new JobPlan(items, 1, 1), new JobOptions(null, 0, "default"), DateTimeOffset.UtcNow);
            await Store.AddAsync(spec, default);
            return spec.Id;
        }
    }
}
