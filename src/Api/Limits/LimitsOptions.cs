using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Limits;

/// <summary><c>Limits:*</c>: how much one client may ask of a node.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Requests per second per API key (per client address without keys), bursts up to the same number; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; }
}
