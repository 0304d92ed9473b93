namespace JobService.Client.Results;

/// <summary>
/// One item of a job's results in item order: <see cref="Value"/> when it finished, <see cref="Error"/> when it failed;
/// cancelled, or not ended yet (<see cref="FutureState.Pending"/>: pending or running) when the read stopped waiting.
/// </summary>
public readonly record struct ItemResult<T>(int Index, FutureState State, T? Value, FutureError? Error)
{
    public bool Done => State.IsTerminal();
}
