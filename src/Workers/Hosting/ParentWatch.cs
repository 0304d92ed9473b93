namespace JobService.Workers.Hosting;

/// <summary>
/// Ends the worker when its host dies. A closed stdin usually tells us first, but a host killed
/// with -9 may leave the pipe open in a grandchild, and .NET ignores write errors on stdout:
/// the parent pid changing (we were re-parented) is the signal that cannot be missed.
/// </summary>
internal static class ParentWatch
{
    public static void Start()
    {
        var parent = Libc.GetParentPid();
        new Thread(() =>
        {
            while (Libc.GetParentPid() == parent) Thread.Sleep(250);
            Environment.Exit(ExitCodes.HostGone);
        }) { IsBackground = true, Name = "parent-watch" }.Start();
    }
}
