using System.Globalization;

namespace JobService.Tests.Infrastructure;

/// <summary>What the kernel says about processes (Linux /proc): who is alive, who is whose child.</summary>
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
