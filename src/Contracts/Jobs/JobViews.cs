namespace JobService.Contracts;

/// <summary>The answer to <c>POST /jobs</c>. <c>futureIds</c> is left out above 1,000 futures: they are always <c>{jobId}.{index}</c>.</summary>
public sealed record JobAccepted(string JobId, JobType Type, int Count, int Chunksize, int Chunks, IReadOnlyList<string>? FutureIds, JobLinks Links)
{
    public const int MaxListedFutures = 1000;
}

/// <summary>Where to go next: the job, its results, and the pattern of its future URLs.</summary>
public sealed record JobLinks(string Self, string Results, string Futures)
{
    public static JobLinks For(string jobId) => new($"/jobs/{jobId}", $"/jobs/{jobId}/results", $"/futures/{jobId}.{{index}}");
}

/// <summary><c>GET /jobs/{id}</c>: where a job stands.</summary>
public sealed record JobView(
    string JobId,
    JobType Type,
    IReadOnlyList<string> Functions,
    JobState State,
    int Count,
    StateCounts Counts,
    double Progress,
    int Chunksize,
    int Chunks,
    int Units,
    double? TimeoutSeconds,
    int Retries,
    string Queue,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    JobLinks Links);

public sealed record JobList(IReadOnlyList<JobView> Jobs);

/// <summary><c>DELETE /jobs/{id}</c>: how many futures this call cancelled, and where the job stands now.</summary>
public sealed record JobCancelled(string JobId, int Cancelled, JobState State, StateCounts Counts);

/// <summary>The shape of <c>GET /jobs/{id}/results</c> (written as a stream).</summary>
public sealed record ResultsPage(string JobId, ResultOrder Order, int Offset, IReadOnlyList<ResultLine> Results);

/// <summary>
/// <c>shape=compact</c>: <c>values[i]</c> is item offset + i's result, or null when it has none; the items that did not
/// finish are listed beside: failed ones with their errors, cancelled and unfinished ones by index.
/// </summary>
public sealed record CompactResults(
    string JobId, int Offset, IReadOnlyList<System.Text.Json.JsonElement?> Values, IReadOnlyList<FailedItem> Failed,
    IReadOnlyList<int> Cancelled, IReadOnlyList<int> Unfinished);

/// <summary>A failed item of the compact shape: its index and its error.</summary>
public sealed record FailedItem(int Index, string Type, string Message, string? Traceback);

/// <summary>One future's outcome: <c>result</c> when finished, <c>error</c> when failed.</summary>
public sealed record ResultLine(int Index, FutureState State, System.Text.Json.JsonElement? Result, FutureError? Error);
