using System.Text.Json;

namespace JobService.Contracts;

/// <summary><c>GET /futures/{id}</c>: one future, with its result or its error and remote traceback.</summary>
public sealed record FutureView(
    string Id,
    string JobId,
    int Index,
    string Function,
    FutureState State,
    JsonElement? Result,
    FutureError? Error,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? WorkerPid);

/// <summary><c>DELETE /futures/{id}</c>: whether the future is cancelled now (Python's <c>Future.cancel()</c>).</summary>
public sealed record FutureCancelled(string Id, bool Cancelled, FutureState State);

/// <summary>
/// <c>POST /futures/wait</c>, as <c>concurrent.futures.wait</c>: returnWhen is FIRST_COMPLETED,
/// FIRST_EXCEPTION or ALL_COMPLETED (default); timeoutSeconds null waits up to Jobs:MaxWaitSeconds.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record WaitRequest(
    [property: System.ComponentModel.DataAnnotations.Required] string[]? FutureIds,
    [property: System.ComponentModel.DefaultValue(ReturnWhen.AllCompleted)] ReturnWhen? ReturnWhen = null, double? TimeoutSeconds = null);

/// <summary>The futures that were done when the wait returned, and those that were not.</summary>
public sealed record WaitResponse(IReadOnlyList<string> Done, IReadOnlyList<string> NotDone);
