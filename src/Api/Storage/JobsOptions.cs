using System.ComponentModel.DataAnnotations;
using JobService.Workers.Protocol;

namespace JobService.Api.Storage;

/// <summary><c>Jobs:*</c>: limits on what one request may ask, and how long results are kept.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>How long a completed job (every future terminal) stays readable before it is forgotten.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Most items (map) or calls (submit) in one job; more is a 413.</summary>
    [Range(1, 100_000_000)]
    public int MaxItems { get; set; } = 10_000_000;

    /// <summary>Largest <c>POST /jobs</c> body in megabytes; more is a 413.</summary>
    [Range(1, 2047)]
    public int MaxBodyMegabytes { get; set; } = 512;

    /// <summary>
    /// Largest chunk in megabytes: what one frame carries to a worker, at most the protocol's 256 MB frame. A job with
    /// a bigger chunk is a 413 at intake that says which chunksize would fit.
    /// </summary>
    [Range(1, FrameFormat.MaxPayloadBytes / (1024 * 1024))]
    public int MaxChunkMegabytes { get; set; } = FrameFormat.MaxPayloadBytes / (1024 * 1024);

    /// <summary>Longest long-poll (<c>wait</c>, <c>timeoutSeconds</c> of /futures/wait) in seconds.</summary>
    [Range(1, 86_400)]
    public int MaxWaitSeconds { get; set; } = 300;

    /// <summary>
    /// The per-item timeout of a job that sets no <c>timeoutSeconds</c>: an item running longer fails with TimeoutError and
    /// its worker is killed, so that a runaway call ends instead of holding a worker for ever.
    /// </summary>
    [Range(1, 7 * 86_400)]
    public int DefaultTimeoutSeconds { get; set; } = 300;

    /// <summary>Most <c>retries</c> a job may ask for.</summary>
    [Range(0, 100)]
    public int MaxRetries { get; set; } = 10;

    /// <summary>
    /// Seconds between keep-alive comments (<c>: ping</c>) on a quiet <c>GET /jobs/{id}/events</c> stream, so that proxies and
    /// load balancers do not close it as idle.
    /// </summary>
    [Range(1, 3600)]
    public int EventKeepAliveSeconds { get; set; } = 15;
}
