using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace JobService.Tests.Infrastructure;

/// <summary>What the kernel says about processes (Linux /proc): who is alive, who is whose child; and the few calls tests make on them.</summary>
public static class ProcessTable
{
    /// <summary>Alive and not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = Stat(pid);
        return stat is not null && stat.Value.State != 'Z';
    }

    public static IReadOnlyList<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Stat(pid) is { } s && s.Parent == parent && s.State != 'Z')
            .ToArray();

    public static async Task<bool> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!pids.Any(IsAlive)) return true;
            await Task.Delay(100);
        }
        return !pids.Any(IsAlive);
    }

    /// <summary>kill(2): sends <paramref name="signal"/> to the process; 0 when it was sent.</summary>
    [DllImport("libc", EntryPoint = "kill")]
    public static extern int Signal(int pid, int signal);

    public static async Task<bool> ExitsWithinAsync(this Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
