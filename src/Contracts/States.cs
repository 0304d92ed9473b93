namespace JobService.Contracts;

/// <summary>A future's life: pending → running → finished | failed | cancelled. The last three never change again.</summary>
public enum FutureState : byte
{
    Pending,
    Running,
    Finished,
    Failed,
    Cancelled,
}

public enum JobState
{
    Pending,
    Running,
    Completed,
    Cancelled,
}

public enum JobType
{
    Map,
    Submit,
}

public static class FutureStates
{
    public static bool IsTerminal(this FutureState state) => state >= FutureState.Finished;
}
