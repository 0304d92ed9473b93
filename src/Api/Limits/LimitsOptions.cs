using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Limits;

/// <summary><c>Limits:*</c>: how much one client may ask of a node, and what a node accepts from clients at once.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>
    /// Bodies over <see cref="Http.RequestBody.LargeBytes"/> read at the same time (a chunked one counts once it passes that size);
    /// one more is a 429 with Retry-After. Each may take up to Jobs:MaxBodyMegabytes of memory.
    /// </summary>
    [Range(1, 1000)]
    public int ConcurrentLargeUploads { get; set; } = 2;

    /// <summary>Requests per second per API key (per client address without keys), bursts up to the same number; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; }
}
