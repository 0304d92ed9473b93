using JobService.Api.Storage;

namespace JobService.Api.Jobs;

/// <summary>How a job of n items is cut into chunks (one frame each) and dispatch units (one Hangfire job each).</summary>
internal static class JobPlanner
{
    /// <summary>multiprocessing.Pool's rule: four chunks per worker, so stragglers even out.</summary>
    public static int AutoChunksize(int items, int workers) => Math.Max(1, (int)Math.Ceiling(items / (4.0 * workers)));

    /// <summary>
    /// Units stay at most four per worker whatever the chunksize: a chunksize of 1 means one frame per
    /// item, not one Hangfire job per item, so scheduling never costs more than the work.
    /// </summary>
    public static JobPlan Plan(int items, int? chunksize, int workers)
    {
        var size = chunksize ?? AutoChunksize(items, workers);
        var chunks = (int)((items + (long)size - 1) / size);
        var chunksPerUnit = Math.Max(1, (int)Math.Ceiling(chunks / (4.0 * workers)));
        return new JobPlan(size, chunks, chunksPerUnit);
    }
}
