namespace JobService.Api.Storage.InMemory;

/// <summary>
/// The in-memory state of one job: a column per item property, all guarded by one lock. Every
/// transition goes through here, so "terminal states never change again" is enforced in one place.
/// </summary>
internal sealed class JobRecord
{
    private readonly Lock _gate = new();
    private readonly FutureState[] _states;
    private readonly byte[] _attempts;
    private readonly ReadOnlyMemory<byte>[] _results;
    private readonly Dictionary<int, FutureError> _errors = [];
    private readonly long[] _startedTicks;
    private readonly long[] _finishedTicks;
    private readonly int[] _workerPids;
    private readonly int[] _completionOrder;
    private readonly int[] _counts = new int[5];
    private readonly bool[] _unitClaimed;
    private readonly int[] _unitAttempts;
    private readonly Dictionary<int, int> _blamed = [];
    private int _completed;
    private long _startedAtTicks;
    private long _completedAtTicks;
    private bool _cancelRequested;

    public JobRecord(NewJob job)
    {
        var spec = job.Spec;
        Spec = spec;
        Items = new UnitItems(0, job.Items);
        _unitClaimed = new bool[spec.Plan.Units];
        _unitAttempts = new int[spec.Plan.Units];
        var n = spec.Count;
        _states = new FutureState[n];
        _attempts = new byte[n];
        _results = new ReadOnlyMemory<byte>[n];
        _startedTicks = new long[n];
        _finishedTicks = new long[n];
        _workerPids = new int[n];
        _completionOrder = new int[n];
        _counts[(int)FutureState.Pending] = n;
        if (n == 0) _completedAtTicks = spec.CreatedAt.UtcTicks;
    }

    public JobSpec Spec { get; }
    public UnitItems Items { get; }
    public JobSignal Signal { get; } = new();
    public int CompletedCount => Volatile.Read(ref _completed);
    public DateTimeOffset? CompletedAt => Ticks(Volatile.Read(ref _completedAtTicks));

    /// <summary>Leases the unit, unless it is leased already or has nothing left to run.</summary>
    public UnitClaim? ClaimUnit(int unit)
    {
        lock (_gate)
        {
            if (_unitClaimed[unit]) return null;
            var (first, count) = Spec.Plan.UnitRange(unit, _states.Length);
            var pending = new List<int>(count);
            for (var i = first; i < first + count; i++)
                if (!_states[i].IsTerminal()) pending.Add(i);
            if (pending.Count == 0) return null;
            _unitClaimed[unit] = true;
            var blamed = pending.Where(_blamed.ContainsKey).ToDictionary(i => i, i => _blamed[i]);
            return new UnitClaim(Spec, unit, Items, pending, ++_unitAttempts[unit], blamed, Lease: 0);
        }
    }

    /// <summary>Running items of the unit go back to pending and the unit is free to claim again; true if it has any left to run.</summary>
    public bool ReleaseUnit(int unit)
    {
        var (first, count) = Spec.Plan.UnitRange(unit, _states.Length);
        var left = false;
        lock (_gate)
        {
            _unitClaimed[unit] = false;
            for (var i = first; i < first + count; i++)
            {
                if (_states[i] == FutureState.Running) Move(i, FutureState.Pending);
                left |= !_states[i].IsTerminal();
            }
        }
        Signal.Pulse();
        return left;
    }

    /// <summary>The items, as they are sent to worker <paramref name="workerPid"/>, become running; terminal ones (cancelled, or done by an earlier delivery of this unit) are left out.</summary>
    public int[] Claim(IReadOnlyList<int> indices, int workerPid, long nowTicks)
    {
        var claimed = new List<int>(indices.Count);
        lock (_gate)
        {
            foreach (var i in indices)
            {
                // At least once: a re-delivered unit finds its finished items terminal and never runs them again.
                if (_states[i].IsTerminal()) continue;
                if (_states[i] == FutureState.Pending) Move(i, FutureState.Running);
                _startedTicks[i] = nowTicks;
                _workerPids[i] = workerPid;
                claimed.Add(i);
            }
            if (claimed.Count > 0 && _startedAtTicks == 0) _startedAtTicks = nowTicks;
        }
        if (claimed.Count > 0) Signal.Pulse();
        return [.. claimed];
    }

    /// <returns>True when these outcomes ended the job's last unfinished item.</returns>
    public bool Record(ReadOnlySpan<ItemOutcome> outcomes, long nowTicks)
    {
        var changed = false;
        bool completed;
        lock (_gate)
        {
            var wasOpen = CompletedAt is null;
            foreach (ref readonly var outcome in outcomes)
            {
                var i = outcome.Index;
                // A result for a terminal item is late (force-cancelled, or a re-run after a node died): drop it.
                if ((uint)i >= (uint)_states.Length || _states[i].IsTerminal()) continue;
                if (_attempts[i] < byte.MaxValue) _attempts[i]++;
                _workerPids[i] = outcome.WorkerPid;
                changed = true;
                switch (outcome.Kind)
                {
                    case OutcomeKind.Finished:
                        _results[i] = outcome.Result;
                        Finish(i, FutureState.Finished, nowTicks, outcome.ElapsedMicros);
                        break;
                    case OutcomeKind.Failed:
                        _errors[i] = outcome.Error!;
                        Finish(i, FutureState.Failed, nowTicks, outcome.ElapsedMicros);
                        break;
                    case OutcomeKind.Retrying:
                        _errors[i] = outcome.Error!;
                        _blamed[i] = _blamed.GetValueOrDefault(i) + 1;
                        break;
                }
            }
            completed = wasOpen && CompletedAt is not null;
        }
        if (changed) Signal.Pulse();
        return completed;
    }

    public CancelOutcome Cancel(int index, bool force, long nowTicks)
    {
        CancelOutcome outcome;
        lock (_gate)
        {
            outcome = _states[index] switch
            {
                FutureState.Pending => CancelNow(index, nowTicks),
                FutureState.Running when force => CancelNow(index, nowTicks) with { WasRunning = true },
                FutureState.Running => new CancelOutcome(CancelResult.Running, FutureState.Running),
                FutureState.Cancelled => new CancelOutcome(CancelResult.AlreadyCancelled, FutureState.Cancelled),
                var done => new CancelOutcome(CancelResult.Done, done),
            };
        }
        if (outcome.Result == CancelResult.Cancelled) Signal.Pulse();
        return outcome;
    }

    /// <summary>Cancels every pending item (and with <paramref name="force"/> every running one); returns how many and which were running.</summary>
    public (int Cancelled, List<int> Interrupted) CancelAll(bool force, long nowTicks)
    {
        var cancelled = 0;
        var interrupted = new List<int>();
        lock (_gate)
        {
            // Cancelling a job that has already completed changes nothing, its state included.
            _cancelRequested |= _completed < _states.Length;
            for (var i = 0; i < _states.Length; i++)
            {
                var state = _states[i];
                if (state == FutureState.Pending || (force && state == FutureState.Running))
                {
                    if (state == FutureState.Running) interrupted.Add(i);
                    CancelNow(i, nowTicks);
                    cancelled++;
                }
            }
        }
        Signal.Pulse();
        return (cancelled, interrupted);
    }

    // A byte read is atomic; a stale answer only means one more trip round the caller's wait loop.
    public bool IsTerminal(int index) => _states[index].IsTerminal();

    public FutureState State(int index) => _states[index];

    public FutureSnapshot Snapshot(int index)
    {
        lock (_gate)
        {
            return new FutureSnapshot(
                Spec.Id, index, Spec.Functions[Items.FunctionSlot(index)], _states[index], _results[index],
                _errors.GetValueOrDefault(index), _attempts[index], Spec.CreatedAt,
                Ticks(_startedTicks[index]), Ticks(_finishedTicks[index]),
                _workerPids[index] == 0 ? null : _workerPids[index]);
        }
    }

    /// <summary>Entries of the items from <paramref name="from"/> on, in item order, stopping at the first unfinished one if <paramref name="terminalOnly"/>.</summary>
    public int CopyEntries(int from, Span<ResultEntry> into, bool terminalOnly)
    {
        lock (_gate)
        {
            var count = 0;
            for (var i = from; count < into.Length && i < _states.Length && (!terminalOnly || _states[i].IsTerminal()); i++, count++)
                into[count] = new ResultEntry(i, _states[i], _results[i], _errors.GetValueOrDefault(i));
            return count;
        }
    }

    /// <summary>Entries of the items that ended in positions <paramref name="position"/> on, in the order they ended.</summary>
    public int CopyCompleted(int position, Span<ResultEntry> into)
    {
        lock (_gate)
        {
            var count = Math.Max(0, Math.Min(into.Length, _completed - position));
            for (var k = 0; k < count; k++)
            {
                var i = _completionOrder[position + k];
                into[k] = new ResultEntry(i, _states[i], _results[i], _errors.GetValueOrDefault(i));
            }
            return count;
        }
    }

    public JobSummary Summary()
    {
        lock (_gate)
        {
            var counts = new StateCounts(_counts[0], _counts[1], _counts[2], _counts[3], _counts[4]);
            var state = _cancelRequested ? JobState.Cancelled
                : _completed == _states.Length ? JobState.Completed
                : _counts[(int)FutureState.Pending] == _states.Length ? JobState.Pending
                : JobState.Running;
            return new JobSummary(Spec, state, counts, Ticks(_startedAtTicks), Ticks(_completedAtTicks));
        }
    }

    private CancelOutcome CancelNow(int index, long nowTicks)
    {
        Finish(index, FutureState.Cancelled, nowTicks, elapsedMicros: 0);
        return new CancelOutcome(CancelResult.Cancelled, FutureState.Cancelled);
    }

    private void Finish(int index, FutureState state, long nowTicks, int elapsedMicros)
    {
        Move(index, state);
        _finishedTicks[index] = nowTicks;
        if (elapsedMicros > 0) _startedTicks[index] = nowTicks - elapsedMicros * 10L;
        _completionOrder[_completed] = index;
        Volatile.Write(ref _completed, _completed + 1);
        if (_completed == _states.Length) Volatile.Write(ref _completedAtTicks, nowTicks);
    }

    private void Move(int index, FutureState to)
    {
        _counts[(int)_states[index]]--;
        _counts[(int)to]++;
        _states[index] = to;
    }

    private static DateTimeOffset? Ticks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
