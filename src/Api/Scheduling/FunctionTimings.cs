using System.Collections.Concurrent;

namespace JobService.Api.Scheduling;

/// <summary>
/// How long each function's items take, as workers report it. Fast functions run in batched
/// chunks (results sent in groups: one syscall for many items); slow or unknown ones run isolated,
/// where a crash or timeout is pinned on the exact item at a cost nobody can measure.
/// </summary>
public sealed class FunctionTimings
{
    /// <summary>Below this mean, a flush per item would cost more than the item itself.</summary>
    private const double FastMicros = 200;
    private const int SamplesBeforeTrusted = 16;
    private readonly ConcurrentDictionary<string, Timing> _timings = new(StringComparer.Ordinal);

    public Timing For(string function) => _timings.GetOrAdd(function, _ => new Timing());

    public bool IsFast(string function) => _timings.TryGetValue(function, out var t) && t.IsFast;

    public IReadOnlyCollection<string> FastFunctions => _timings.Where(t => t.Value.IsFast).Select(t => t.Key).ToArray();

    /// <summary>An exponentially weighted mean; updated without a lock, since a lost sample changes nothing.</summary>
    public sealed class Timing
    {
        private double _meanMicros;
        private int _samples;

        public bool IsFast => Volatile.Read(ref _samples) >= SamplesBeforeTrusted && Volatile.Read(ref _meanMicros) < FastMicros;

        public void Observe(int elapsedMicros)
        {
            var samples = _samples;
            _meanMicros = samples == 0 ? elapsedMicros : _meanMicros + (elapsedMicros - _meanMicros) / Math.Min(samples + 1, 64);
            if (samples < int.MaxValue) _samples = samples + 1;
        }
    }
}
