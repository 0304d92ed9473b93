using JobService.Api.Scheduling;
using JobService.Api.Storage;

namespace JobService.Tests.Scheduling;

/// <summary>How a new job's intake hands units leased in its own commit to the drainers lingering on this node.</summary>
public sealed class IdleDrainersTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);
    private readonly IdleDrainers _idle = new();
    private readonly TaskCompletionSource _neverReady = new();

    [Fact(Timeout = 10_000)]
    public async Task ALingeringDrainerIsGivenTheUnitItWasReservedFor()
    {
        var waiting = LingerAsync();

        using (var hands = _idle.Reserve(4))
        {
            Assert.Equal(1, hands.Count);
            hands.Give([Claim(unit: 0)]);
        }

        Assert.Equal(0, (await waiting)!.Unit);
    }

    [Fact(Timeout = 10_000)]
    public async Task ADrainerIsReservedByOneIntakeOnly()
    {
        var waiting = LingerAsync();

        using var first = _idle.Reserve(1);
        using var second = _idle.Reserve(1);

        Assert.Equal((1, 0), (first.Count, second.Count));
        first.Give([Claim(unit: 3)]);
        Assert.Equal(3, (await waiting)!.Unit);
    }

    [Fact(Timeout = 10_000)]
    public async Task AReservedDrainerGivenNothingWakesWithNothing()
    {
        var waiting = LingerAsync();

        _idle.Reserve(1).Dispose();

        Assert.Null(await waiting);
    }

    [Fact(Timeout = 10_000)]
    public async Task AReservedDrainerThatIsStoppingStillTakesItsUnitSoThatItIsReleased()
    {
        using var stopping = new CancellationTokenSource();
        var waiting = LingerAsync(stopping.Token);
        using var hands = _idle.Reserve(1);

        await stopping.CancelAsync();
        hands.Give([Claim(unit: 1)]);

        Assert.Equal(1, (await waiting)!.Unit);
    }

    [Fact(Timeout = 10_000)]
    public async Task AStoppingDrainerNobodyReservedIsCancelled()
    {
        using var stopping = new CancellationTokenSource();
        var waiting = LingerAsync(stopping.Token);

        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        using var hands = _idle.Reserve(1);
        Assert.Equal(0, hands.Count);
    }

    /// <summary>A drainer lingering: it is registered before the call returns (before its first await).</summary>
    private Task<UnitClaim?> LingerAsync(CancellationToken stopping = default) => _idle.WaitAsync(_neverReady.Task, Linger, TimeProvider.System, stopping);

    private static UnitClaim Claim(int unit)
    {
        var spec = new JobSpec(FutureId.NewJobId(), JobType.Map, ["echo"], 8, Spread: false, new JobPlan(1, 8, 1), new JobOptions(null, 0, "default"), DateTimeOffset.UtcNow);
        return new UnitClaim(spec, unit, new UnitItems(0, null!), [unit], Attempts: 1, new Dictionary<int, int>(), Lease: 1) { LeasedAtIntake = true };
    }
}
