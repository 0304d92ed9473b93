namespace JobService.Api.Storage;

/// <summary>
/// One unit of a job, leased to this node (like Hangfire's <c>IFetchedJob</c>): its items, the ones
/// not yet terminal, and how often it was claimed before. Every write made under it is fenced by
/// <see cref="Lease"/>: once another node has taken the unit over, this claim's writes are dropped.
/// </summary>
/// <param name="Attempts">How many times the unit has been claimed, this claim included (a node that died with it counts).</param>
/// <param name="Blamed">Per item, how many of its attempts crashed or timed out its worker so far (the retry budget spent).</param>
public sealed record UnitClaim(
    JobSpec Job,
    int Unit,
    UnitItems Items,
    IReadOnlyList<int> Pending,
    int Attempts,
    IReadOnlyDictionary<int, int> Blamed,
    long Lease)
{
    /// <summary>Leased by its job's own intake commit (see <see cref="IJobStore.Add"/>), and given out before that commit ended.</summary>
    public bool LeasedAtIntake { get; init; }
}

/// <summary>The arguments of one unit's items, addressed by the job-wide item index (<paramref name="indexBase"/> is the index of the first argument).</summary>
public sealed class UnitItems(int indexBase, ItemArguments arguments)
{
    public ReadOnlyMemory<byte> this[int index] => arguments[index - indexBase];

    public ushort FunctionSlot(int index) => arguments.FunctionSlot(index - indexBase);
}

/// <summary>A unit ready to run (pending, or left by a node whose lease ran out), as the dispatcher names it to Hangfire.</summary>
public readonly record struct UnitKey(string JobId, int Unit);
