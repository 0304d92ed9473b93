namespace JobService.Client;

/// <summary>
/// The remote function raised: its exception type, message and remote traceback, as the worker reported them. The message is
/// the remote one (so a handler prints what the function said); <see cref="ToString"/> adds the remote traceback, as
/// <c>concurrent.futures</c> shows a <c>_RemoteTraceback</c>.
/// </summary>
public sealed class RemoteException(string remoteType, string message, string? remoteTraceback, string? futureId)
    : Exception(message)
{
    /// <summary>The remote exception's type, e.g. <c>Exception</c>, <c>TimeoutError</c>, <c>WorkerCrashed</c>.</summary>
    public string RemoteType { get; } = remoteType;

    public string? RemoteTraceback { get; } = remoteTraceback;

    /// <summary>The future that failed, <c>{jobId}.{index}</c>.</summary>
    public string? FutureId { get; } = futureId;

    internal static RemoteException From(FutureError? error, string futureId) =>
        new(error?.Type ?? "Exception", error?.Message ?? "", error?.Traceback, futureId);

    public override string ToString()
    {
        var head = $"{GetType().FullName}: {Message} ({RemoteType} in {FutureId})";
        return RemoteTraceback is null ? head : $"{head}\n\nRemote traceback:\n\"\"\"\n{RemoteTraceback}\n\"\"\"";
    }
}
