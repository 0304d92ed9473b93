using System.Globalization;
using System.Runtime.CompilerServices;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The completion order of a job's outcomes, the same on every read and every node, so that a position in it (an
/// <c>offset</c> of the results, an event's ID) always names the same outcome.
/// <para>
/// <c>seq</c> alone cannot give that: it is drawn before commit, so a reader may see seq 5 before seq 4 commits and
/// then find 4 behind it. Instead every results row keeps the ID of the transaction that wrote it (<c>xid</c>), and a
/// read takes only the rows whose xid is below its snapshot's xmin: every transaction older than xmin has ended, so no
/// row can ever appear in front of what was read, and every later row sorts after it. Ordered by (xid, seq), that
/// prefix only grows. A row above xmin is committed but not yet settled; it settles as soon as the transactions
/// older than it end (milliseconds, as every write here is short). A long transaction elsewhere in the cluster holds
/// xmin back and delays the rows behind it, never loses them.
/// </para>
/// </summary>
internal sealed partial class PostgresJobStore
{
    /// <summary>Rows read per query while outcomes are given out, and while outcomes before the offset are only counted.</summary>
    private const int RowsWithData = 64;
    private const int RowsCounted = 1024;

    /// <summary>How long the first retry waits for a row to settle, doubling up to <see cref="SafetyPoll"/>.</summary>
    private static readonly TimeSpan FirstSettleWait = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Past the deadline, rows already committed are still waited for this long to settle, so that a read right after a
    /// job completed does not leave some out for a moment's overlap with another write; writes here take milliseconds.
    /// A property: as a field initialised from <see cref="SafetyPoll"/>, in another file of this partial class, it was
    /// initialised first, to zero, and a read past its deadline did not wait at all.
    /// </summary>
    private static TimeSpan SettleGrace => SafetyPoll;

    private async IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> InCompletionOrderAsync(
        JobSpec spec, ChangeFeed.Watch watch, int offset, int limit, DateTimeOffset deadline, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = (int)Math.Min(spec.Count, (long)offset + limit);
        var cursor = new RowKey(0, 0);
        var position = 0;
        var withData = false;
        var settleWait = FirstSettleWait;
        var entries = new List<ResultEntry>(EntryBatch);
        while (position < end)
        {
            var change = watch.Signal.NextChange();
            entries.Clear();
            withData |= position >= offset;
            var (unsettled, needsData, rows) = (false, false, 0);
            await using (var command = dataSource.CreateCommand($"""
                SELECT r.xid::text, r.seq, r.outcomes, r.format, s.settled, CASE WHEN s.settled AND ($4 OR r.outcomes IS NULL) THEN r.data END
                FROM {_s}.results r, LATERAL (SELECT r.xid < pg_snapshot_xmin(pg_current_snapshot()) AS settled) s
                WHERE r.job_id = $1 AND (r.xid, r.seq) > ($2::text::xid8, $3::bigint)
                ORDER BY r.xid, r.seq LIMIT {(withData ? RowsWithData : RowsCounted)}
                """))
            {
                command.Parameters.AddValues(spec.Id, cursor.Xid.ToString(CultureInfo.InvariantCulture), cursor.Seq, withData);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    // Rows come in (xid, seq) order: once one is not settled, none after it is.
                    if (!reader.GetBoolean(4))
                    {
                        unsettled = true;
                        break;
                    }
                    rows++;
                    var data = reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5);
                    var format = reader.GetInt16(3);
                    var count = reader.IsDBNull(2) ? UnitCodec.Read(data!, format).Count() : reader.GetInt32(2);
                    if (position + count > offset && data is null)
                    {
                        // The offset falls inside this row: read it again, with its outcomes, and every row after it.
                        needsData = withData = true;
                        break;
                    }
                    if (position + count > offset)
                    {
                        var at = position;
                        foreach (var outcome in UnitCodec.Read(data!, format))
                        {
                            if (at >= end) break;
                            if (at++ >= offset) entries.Add(new ResultEntry(outcome.Index, outcome.State, outcome.Result, outcome.Error));
                        }
                    }
                    position += count;
                    cursor = new RowKey(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1));
                }
            }
            if (entries.Count > 0)
            {
                settleWait = FirstSettleWait;
                var found = entries.ToArray();
                for (var at = 0; at < found.Length; at += EntryBatch)
                    yield return found.AsMemory(at, Math.Min(EntryBatch, found.Length - at));
                continue;
            }
            if (needsData || rows > 0) continue;
            if (unsettled && clock.GetUtcNow() < deadline + SettleGrace)
            {
                await Task.Delay(settleWait, clock, cancellationToken);
                settleWait = settleWait * 2 < SafetyPoll ? settleWait * 2 : SafetyPoll;
                continue;
            }
            // Completion order lists only terminal items: past the deadline there is nothing more to give.
            if (!await WaitForChangeAsync(change, deadline, cancellationToken)) yield break;
        }
    }

    /// <summary>Where a reader stands in the completion order: the last row it passed (xid8 travels as text, its SQL input form).</summary>
    private readonly record struct RowKey(ulong Xid, long Seq);
}
