using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Http;

/// <summary><c>Limits:*</c>: what one node accepts from clients at once.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>
    /// Bodies over <see cref="RequestBody.LargeBytes"/> read at the same time (a chunked one counts once it passes that size);
    /// one more is a 429 with Retry-After. Each may take up to Jobs:MaxBodyMegabytes of memory.
    /// </summary>
    [Range(1, 1000)]
    public int ConcurrentLargeUploads { get; set; } = 2;
}
