using JobService.Api.Storage;

namespace JobService.Api.Jobs;

/// <summary>How a stored job becomes the wire shapes of src/Contracts: server-only mapping, kept out of the shared records.</summary>
internal static class JobWire
{
    extension(JobAccepted)
    {
        public static JobAccepted From(JobSpec spec) => new(
            spec.Id, spec.Type, spec.Count, spec.Plan.Chunksize, spec.Plan.Chunks,
            spec.Count <= JobAccepted.MaxListedFutures ? Enumerable.Range(0, spec.Count).Select(i => new FutureId(spec.Id, i).ToString()).ToArray() : null,
            JobLinks.For(spec.Id));
    }

    extension(JobView)
    {
        public static JobView From(JobSummary job)
        {
            var spec = job.Spec;
            var done = job.Counts.Finished + job.Counts.Failed + job.Counts.Cancelled;
            return new JobView(
                spec.Id, spec.Type, spec.Functions, job.State, spec.Count, job.Counts,
                spec.Count == 0 ? 1 : Math.Round((double)done / spec.Count, 6),
                spec.Plan.Chunksize, spec.Plan.Chunks, spec.Plan.Units,
                spec.Options.TimeoutSeconds, spec.Options.Retries, spec.Options.Queue,
                spec.CreatedAt, job.StartedAt, job.CompletedAt, JobLinks.For(spec.Id));
        }
    }
}
