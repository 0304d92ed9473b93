namespace JobService.Api.Scheduling;

/// <summary>How one send of items to one worker ended.</summary>
internal enum SessionEnd
{
    /// <summary>Every item was reported.</summary>
    Completed,
    /// <summary>The worker died (exit, signal, broken pipe) before reporting every item.</summary>
    Crashed,
    /// <summary>The worker sent something that is not the protocol; it was killed.</summary>
    ProtocolBroken,
    /// <summary>An item ran past the job's timeout; the worker was killed.</summary>
    TimedOut,
    /// <summary>A force-cancel killed the worker on purpose.</summary>
    Interrupted,
    /// <summary>The node is shutting down.</summary>
    Stopping,
}

/// <param name="Unreported">Items sent but not reported and not yet terminal, in send order: the first is the one that was running.</param>
/// <param name="Recorded">Completes when every reported outcome of the send is in the store.</param>
internal sealed record SessionResult(SessionEnd End, List<int> Unreported, int WorkerPid, string Detail, Task Recorded);
