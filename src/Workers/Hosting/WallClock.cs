using System.Diagnostics;

namespace JobService.Workers.Hosting;

/// <summary>
/// Stopwatch timestamps as wall-clock time (Unix microseconds), anchored once per chunk: items are timed with the
/// monotonic clock, and the host, on the same machine, places them on its own wall clock in the trace. Anchoring per
/// chunk keeps a long-lived worker from drifting away from the wall clock as it is adjusted.
/// </summary>
internal readonly record struct WallClock(long AnchorTimestamp, long AnchorUnixMicros)
{
    public static WallClock Now() => new(Stopwatch.GetTimestamp(), (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10);

    public long UnixMicros(long timestamp) => AnchorUnixMicros + Stopwatch.GetElapsedTime(AnchorTimestamp, timestamp).Ticks / 10;
}
