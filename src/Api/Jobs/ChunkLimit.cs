using System.Globalization;
using JobService.Api.Storage;
using JobService.Workers.Protocol;

namespace JobService.Api.Jobs;

/// <summary>
/// A chunk travels to its worker as one frame, so a chunk over the frame limit could never run: it is refused
/// at intake, with the chunksize that would fit, instead of failing in the scheduler after the job was accepted.
/// </summary>
internal static class ChunkLimit
{
    private const double Megabyte = 1024 * 1024;

    /// <summary>Null when every chunk fits in <paramref name="maxBytes"/>; otherwise what the client should change.</summary>
    public static string? Check(NewJob job, long maxBytes)
    {
        var (spec, items) = (job.Spec, job.Items);
        var chunksize = spec.Plan.Chunksize;
        for (var first = 0; first < spec.Count; first += chunksize)
        {
            var count = Math.Min(chunksize, spec.Count - first);
            var argumentBytes = 0L;
            var largest = (Index: first, Bytes: 0);
            for (var i = first; i < first + count; i++)
            {
                var length = items[i].Length;
                argumentBytes += length;
                if (length > largest.Bytes) largest = (i, length);
            }
            var bytes = ChunkFrame.PayloadLength(spec.Functions, count, argumentBytes);
            if (bytes <= maxBytes) continue;
            if (ChunkFrame.PayloadLength(spec.Functions, 1, largest.Bytes) > maxBytes)
                return $"item {largest.Index} alone is {Mb(largest.Bytes)} MB, over the {Mb(maxBytes)} MB a chunk may carry to a worker " +
                       "(Jobs:MaxChunkMegabytes); send smaller items";
            var fits = Math.Max(1, (int)(count * (maxBytes / (double)bytes) * 0.9));
            return $"chunk {first / chunksize} (items {first}–{first + count - 1}) is {Mb(bytes)} MB, over the {Mb(maxBytes)} MB a chunk may " +
                   $"carry to a worker (Jobs:MaxChunkMegabytes); send a smaller chunksize, e.g. {fits}";
        }
        return null;
    }

    private static string Mb(long bytes) => (bytes / Megabyte).ToString("0.#", CultureInfo.InvariantCulture);
}
