using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// A new job's first units go straight to this node's idle drainers: inserted already leased to this node, and handed
/// over in memory before the commit, so that the workers compute while the job's rows are flushed to disk instead of
/// waiting for that and a claim. Measured on the 99,999-item power_sum map: the intake commit was a sixth of the job.
/// Nothing is written under such a claim before the commit: every store call made under it waits for the commit, and a
/// commit that failed makes it a lost lease (its outcomes dropped, its runner stopped), as if another node had taken it.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private readonly List<Handoff> _handoffs = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _uncommitted = new(StringComparer.Ordinal);

    /// <summary>Per job not committed yet, its units taken by a drainer and the worker each went to (written after the commit).</summary>
    private readonly Dictionary<string, List<(int Unit, int WorkerPid)>> _takenEarly = new(StringComparer.Ordinal);

    private sealed record Handoff(UnitClaim Claim, long HandedAt);

    /// <summary>As many of the job's first units as drainers wait for and are not promised a unit already.</summary>
    private int HandoffCount(JobSpec spec)
    {
        lock (_handoffs) return Math.Clamp(idle.Count - _handoffs.Count, 0, spec.Plan.Units);
    }

    /// <summary>The first <see cref="PendingJob.Handed"/> units of the job, as claims whose writes wait for its commit.</summary>
    private void HandOver(PendingJob job, ItemArguments items)
    {
        if (job.Handed == 0) return;
        var spec = job.Spec;
        _uncommitted[spec.Id] = job.Committed.Task;
        var now = clock.GetTimestamp();
        lock (_handoffs)
        {
            _takenEarly[spec.Id] = [];
            for (var unit = 0; unit < job.Handed; unit++)
            {
                var (first, count) = spec.Plan.UnitRange(unit, spec.Count);
                var claim = new UnitClaim(spec, unit, new UnitItems(0, items), Enumerable.Range(first, count).ToArray(),
                    Attempts: 1, Blamed: new Dictionary<int, int>(), Lease: HandedLease);
                _claims[Key(claim)] = new ClaimedUnit(unit, first, count, job.Units.Bits[unit], Batches: 0, Terminated: 0);
                _handoffs.Add(new Handoff(claim, now));
            }
        }
        feed.UnitsReady.Pulse();
    }

    /// <summary>
    /// A unit handed over that <paramref name="wanted"/> accepts, if there is one, now running on <paramref name="workerPid"/>;
    /// those waiting too long are dropped (their lease runs out).
    /// </summary>
    private async ValueTask<UnitClaim?> TakeHandoffAsync(Func<UnitClaim, bool> wanted, int workerPid, CancellationToken cancellationToken)
    {
        var claim = TakeHandoff(wanted, workerPid, out var committed);
        // Taken after the commit: the worker is written now, as a claim would (futures show where they run).
        if (claim is not null && committed)
        {
            await using var command = FencedCommand(claim, $"UPDATE {_s}.units u SET worker_pid = $5 WHERE {Fenced}", workerPid);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return claim;
    }

    private UnitClaim? TakeHandoff(Func<UnitClaim, bool> wanted, int workerPid, out bool committed)
    {
        committed = false;
        lock (_handoffs)
        {
            for (var i = 0; i < _handoffs.Count; i++)
            {
                var (claim, handedAt) = _handoffs[i];
                if (clock.GetElapsedTime(handedAt) > _lease / 2)
                {
                    _handoffs.RemoveAt(i--);
                    _claims.TryRemove(Key(claim), out _);
                    continue;
                }
                if (!wanted(claim)) continue;
                _handoffs.RemoveAt(i);
                if (_takenEarly.TryGetValue(claim.Job.Id, out var taken)) taken.Add((claim.Unit, workerPid));
                else committed = true;
                return claim;
            }
        }
        return null;
    }

    /// <summary>
    /// Handed-over units of <paramref name="queue"/> that no drainer took (the one counted idle stopped waiting): the
    /// dispatcher names them to Hangfire like ready units, and the drainer it starts takes them from here.
    /// </summary>
    private List<UnitKey> WaitingHandoffs(string queue, int limit)
    {
        lock (_handoffs)
            return _handoffs.Where(h => h.Claim.Job.Options.Queue == queue)
                .Take(limit).Select(h => new UnitKey(h.Claim.Job.Id, h.Claim.Unit)).ToList();
    }

    /// <summary>After the job's commit: the workers its handed-over units went to before it, written in one statement.</summary>
    private async Task WriteEarlyWorkersAsync(string jobId)
    {
        List<(int Unit, int WorkerPid)>? taken;
        lock (_handoffs)
        {
            if (!_takenEarly.Remove(jobId, out taken) || taken.Count == 0) return;
        }
        try
        {
            await using var command = dataSource.CreateCommand($"""
                UPDATE {_s}.units u SET worker_pid = t.pid FROM unnest($2::int[], $3::int[]) AS t(unit, pid)
                WHERE u.job_id = $1 AND u.unit = t.unit AND u.owner = $4 AND u.lease = {HandedLease}
                """);
            command.Parameters.AddValues(jobId, taken.Select(t => t.Unit).ToArray(), taken.Select(t => t.WorkerPid).ToArray(), node.Id);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Only what a future shows as its worker until its first outcome is written (which writes it too).
        }
    }

    /// <summary>The job was not committed: nothing is written for the units it handed over.</summary>
    private void Abandon(PendingJob job)
    {
        lock (_handoffs) _takenEarly.Remove(job.Spec.Id);
    }

    /// <summary>False when the claim was handed over before a commit that failed: the unit never existed.</summary>
    private async ValueTask<bool> CommittedAsync(UnitClaim claim)
    {
        if (claim.Lease != HandedLease || !_uncommitted.TryGetValue(claim.Job.Id, out var commit)) return true;
        try
        {
            await commit;
            return true;
        }
        catch (Exception)
        {
            _claims.TryRemove(Key(claim), out _);
            return false;
        }
    }

    /// <summary>The lease number of a unit inserted leased (a claim adds one to the stored number, which starts at 0).</summary>
    private const long HandedLease = 1;
}
