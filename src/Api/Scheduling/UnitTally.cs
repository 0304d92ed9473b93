namespace JobService.Api.Scheduling;

/// <summary>
/// What one dispatch job ran, as its result on the Hangfire dashboard: a unit whose items failed says so there, while
/// per-item failures stay the items' own (they never fail, or retry, the Hangfire job).
/// </summary>
public sealed class UnitTally
{
    private int _units;
    private int _finished;
    private int _failed;

    public int Finished => Volatile.Read(ref _finished);
    public int Failed => Volatile.Read(ref _failed);

    public void UnitRan() => Interlocked.Increment(ref _units);

    public void Add(int finished, int failed)
    {
        Interlocked.Add(ref _finished, finished);
        Interlocked.Add(ref _failed, failed);
    }

    public override string ToString() =>
        $"{Volatile.Read(ref _units)} unit(s) run: {Finished} item(s) finished, {Failed} failed";
}
