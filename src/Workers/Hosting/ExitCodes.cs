namespace JobService.Workers.Hosting;

/// <summary>How a worker tells the host why it ended on its own.</summary>
internal static class ExitCodes
{
    public const int StdinClosed = 0;
    public const int HostGone = 0;
    public const int ProtocolError = 3;
    public const int StartupFailed = 4;
}
