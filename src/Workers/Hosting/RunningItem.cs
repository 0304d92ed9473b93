namespace JobService.Workers.Hosting;

/// <summary>
/// The item this worker is running, for <see cref="ItemLabelWriter"/>: set per item with two plain writes (an index and,
/// per chunk, its context), so that a million fast items pay nothing for the few lines a function may print.
/// </summary>
internal static class RunningItem
{
    private static volatile string _jobId = "";
    private static volatile string _traceId = "";
    private static volatile int _index = -1;

    public static void Chunk(string jobId, string traceId)
    {
        _jobId = jobId;
        _traceId = traceId;
    }

    public static void Starts(int index) => _index = index;

    public static void Ends() => _index = -1;

    /// <summary>The label of a line printed now, or false between items (and in a chunk without a job id).</summary>
    public static bool TryGet(out string jobId, out int index, out string traceId)
    {
        (jobId, index, traceId) = (_jobId, _index, _traceId);
        return index >= 0 && jobId.Length > 0;
    }
}
