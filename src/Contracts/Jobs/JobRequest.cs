using System.Text.Json;

namespace JobService.Contracts;

/// <summary>
/// The body of <c>POST /jobs</c>. A <b>map</b> calls <c>function</c> once per element of <c>items</c>
/// (an array element is spread over a function of several parameters); a <b>submit</b> makes one
/// call (<c>function</c> + <c>args</c>) or many (<c>calls</c>).
/// </summary>
/// <param name="Type">map or submit.</param>
/// <param name="Function">The function's name (see GET /functions). Map, and submit of one call.</param>
/// <param name="Items">Map only: one element per future.</param>
/// <param name="Args">Submit of one call: the arguments, as an array.</param>
/// <param name="Calls">Submit of many calls: one future each, in order.</param>
/// <param name="Chunksize">Items sent to a worker in one frame; null = ceil(n / (4 × workers)), as multiprocessing.Pool.</param>
/// <param name="TimeoutSeconds">Per-item limit; an item over it is failed with TimeoutError and its worker killed. Null = the node's Jobs:DefaultTimeoutSeconds (300 s unless configured).</param>
/// <param name="Retries">Re-runs of an item after its worker crashed or timed out (never after an exception it raised).</param>
/// <param name="Queue">Hangfire queue; one of the node's Scheduler:Queues.</param>
public sealed record JobRequest(
    JobType Type,
    string? Function = null,
    JsonElement[]? Items = null,
    JsonElement[]? Args = null,
    CallRequest[]? Calls = null,
    int? Chunksize = null,
    double? TimeoutSeconds = null,
    int? Retries = null,
    string? Queue = null);

/// <summary>One call of a submit: a function and its arguments.</summary>
public sealed record CallRequest(string Function, JsonElement[]? Args = null);
