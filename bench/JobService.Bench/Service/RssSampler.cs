namespace JobService.Bench.Service;

/// <summary>A process's resident memory from /proc/PID/status: VmRSS now, VmHWM the peak since it started.</summary>
internal readonly record struct Rss(long CurrentBytes, long PeakBytes)
{
    public static Rss Read(int pid)
    {
        long current = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line);
        }
        return new Rss(current, peak);
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}

/// <summary>
/// VmHWM only ever grows over the life of the process, so a workload's own peak is the highest VmRSS
/// seen while it runs: this samples it every 50 ms until disposed.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _max;

    public RssSampler(int pid)
    {
        _pid = pid;
        Before = Rss.Read(pid).CurrentBytes;
        _max = Before;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>VmRSS when sampling started.</summary>
    public long Before { get; }

    /// <summary>The highest VmRSS sampled so far.</summary>
    public long Max => Interlocked.Read(ref _max);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample();
            try
            {
                await Task.Delay(Period, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Sample()
    {
        var now = Rss.Read(_pid).CurrentBytes;
        if (now > Interlocked.Read(ref _max)) Interlocked.Exchange(ref _max, now);
    }

    /// <summary>Stops sampling, after one last sample.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Sample();
        _stop.Dispose();
    }
}
