using System.Globalization;
using JobService.Tests.Infrastructure;

namespace JobService.Bench.Postgres;

/// <summary>CPU seconds spent during one measurement, by whom: the API processes, their workers, the PostgreSQL cluster, the bench.</summary>
internal sealed record CpuSplit(double Api, double Workers, double Postgres, double Bench)
{
    public double Total => Api + Workers + Postgres + Bench;
}

/// <summary>
/// Where a measurement's CPU went, from /proc: on 2 shared cores, whether PostgreSQL, the API or the client is the busy one
/// says more about a slow figure than the figure itself. A process's CPU plus its reaped children's (cutime, cstime) plus
/// its live children's counts every backend and worker, including those that exit during the measurement.
/// </summary>
internal sealed class CpuMeter(IReadOnlyList<int> apiPids, int postmasterPid)
{
    /// <summary>USER_HZ: /proc counts CPU time in these ticks on every Linux the bench runs on.</summary>
    private const double TicksPerSecond = 100;

    public async Task<(T Value, CpuSplit Cpu)> MeasureAsync<T>(Func<Task<T>> run)
    {
        var before = Snapshot();
        var value = await run();
        var after = Snapshot();
        return (value, new CpuSplit(after.Api - before.Api, after.Workers - before.Workers, after.Postgres - before.Postgres, after.Bench - before.Bench));
    }

    /// <summary>The cluster's postmaster: the postgres process started with <c>-p PORT</c> (its backends rename themselves).</summary>
    public static int FindPostmaster(int port)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            var arguments = CommandLine(pid);
            if (arguments.Length > 1 && Path.GetFileName(arguments[0]) == "postgres" && IndexOfPair(arguments, "-p", port.ToString(CultureInfo.InvariantCulture)) >= 0)
                return pid;
        }
        throw new InvalidOperationException($"no postgres process listening on port {port} in /proc");
    }

    private CpuSplit Snapshot()
    {
        double api = 0, workers = 0;
        foreach (var pid in apiPids)
        {
            var (own, reaped) = Times(pid);
            api += own;
            workers += reaped + ProcessTable.ChildrenOf(pid).Sum(child => Times(child).Own);
        }
        var (postmaster, backendsGone) = Times(postmasterPid);
        var postgres = postmaster + backendsGone + ProcessTable.ChildrenOf(postmasterPid).Sum(child => Times(child).Own);
        return new CpuSplit(api, workers, postgres, Environment.CpuUsage.TotalTime.TotalSeconds);
    }

    /// <summary>/proc/PID/stat: utime + stime, and cutime + cstime (children already reaped), in seconds; zero once gone.</summary>
    private static (double Own, double Reaped) Times(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may hold spaces, so count fields after the last ')'; utime is field 14.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            double Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
            return (Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    private static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static int IndexOfPair(string[] arguments, string name, string value)
    {
        for (var i = 0; i + 1 < arguments.Length; i++)
            if (arguments[i] == name && arguments[i + 1] == value) return i;
        return -1;
    }
}
