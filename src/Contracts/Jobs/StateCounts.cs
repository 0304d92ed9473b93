namespace JobService.Contracts;

/// <summary>How many of a job's futures are in each state.</summary>
public sealed record StateCounts(int Pending, int Running, int Finished, int Failed, int Cancelled);
