namespace JobService.Api.Storage;

/// <summary>A point-in-time copy of one future.</summary>
public sealed record FutureSnapshot(
    string JobId,
    int Index,
    string Function,
    FutureState State,
    ReadOnlyMemory<byte> Result,
    FutureError? Error,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? WorkerPid);

/// <summary>A point-in-time copy of a job's totals.</summary>
public sealed record JobSummary(
    JobSpec Spec,
    JobState State,
    StateCounts Counts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt);

/// <summary>One line of <c>GET /jobs/{id}/results</c>.</summary>
public readonly record struct ResultEntry(int Index, FutureState State, ReadOnlyMemory<byte> Result, FutureError? Error);
