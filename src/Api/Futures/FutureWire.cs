using System.Text.Json;
using JobService.Api.Storage;

namespace JobService.Api.Futures;

/// <summary>How a stored future becomes the wire shape of src/Contracts: server-only mapping, kept out of the shared record.</summary>
internal static class FutureWire
{
    extension(FutureView)
    {
        public static FutureView From(FutureSnapshot f) => new(
            new FutureId(f.JobId, f.Index).ToString(), f.JobId, f.Index, f.Function, f.State,
            f.State == FutureState.Finished ? JsonDocument.Parse(f.Result).RootElement : null,
            f.State == FutureState.Failed ? f.Error : null,
            f.Attempts, f.CreatedAt, f.StartedAt, f.FinishedAt, f.WorkerPid);
    }
}
