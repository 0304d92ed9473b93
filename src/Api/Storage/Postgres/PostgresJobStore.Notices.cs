using System.Collections.Concurrent;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Paces this node's notifications of recorded outcomes, job by job. PostgreSQL wakes every listening connection of the
/// database for each notification, whatever its channel (each node's listener, Hangfire's long-polling fetchers): a
/// 100,000-item map that notified each of its 32 batches cost about a hundred wake-ups, and measured side by side,
/// notifying only as its units ended took 11 % less database CPU (47 vs 53 ms per job). So a batch notifies when it ends
/// its unit or when the job has not been notified for <see cref="NoticeSpacing"/>; the batches in between are announced
/// together, by one notification once that time has passed. Another node's waiter hears of an outcome at most that much
/// later; this node's own waiters are woken by each write, as before.
/// </summary>
internal sealed partial class PostgresJobStore
{
    private static readonly TimeSpan NoticeSpacing = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, JobNotices> _notices = new(StringComparer.Ordinal);
    private long _nextNoticesSweep;

    /// <summary>Whether the batch about to be written notifies other nodes itself.</summary>
    private bool NoticeNow(string jobId, bool endsUnit)
    {
        var now = clock.GetUtcNow();
        RemoveExpired(_notices, ref _nextNoticesSweep, now, key => _notices.TryRemove(key, out _));
        var notices = NoticesOf(jobId);
        lock (notices)
        {
            if (!endsUnit && now.UtcTicks - notices.NotifiedTicks < NoticeSpacing.Ticks) return false;
            // The batches owed a notification have committed already (see NoticeOwed): this one's, sent at its commit, covers them.
            (notices.NotifiedTicks, notices.Owed) = (now.UtcTicks, false);
            return true;
        }
    }

    /// <summary>Called once a batch written without a notification has committed: one goes out when the spacing has passed.</summary>
    private void NoticeOwed(string jobId)
    {
        var notices = NoticesOf(jobId);
        long due;
        lock (notices)
        {
            notices.Owed = true;
            if (notices.Sending) return;
            notices.Sending = true;
            due = notices.NotifiedTicks + NoticeSpacing.Ticks;
        }
        _ = SendOwedNoticeAsync(jobId, notices, due);
    }

    private JobNotices NoticesOf(string jobId) => _notices.GetOrAdd(jobId, _ => new JobNotices());

    private async Task SendOwedNoticeAsync(string jobId, JobNotices notices, long dueTicks)
    {
        var wait = TimeSpan.FromTicks(dueTicks - clock.GetUtcNow().UtcTicks);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, clock);
        lock (notices)
        {
            notices.Sending = false;
            if (!notices.Owed) return;
            (notices.NotifiedTicks, notices.Owed) = (clock.GetUtcNow().UtcTicks, false);
        }
        try
        {
            await using var command = dataSource.CreateCommand($"SELECT pg_notify('{PostgresListener.JobChanged}', $1)");
            command.Parameters.AddValues(PostgresListener.Payload(jobId, node));
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception)
        {
            // The database is unreachable: other nodes' waiters find the outcomes at their safety poll.
        }
    }

    private sealed class JobNotices : IExpiring
    {
        public long NotifiedTicks;
        public bool Owed;
        public bool Sending;

        /// <summary>Forgotten once the spacing has passed with nothing left to send: the next batch notifies at once anyway.</summary>
        public DateTimeOffset Expires => Volatile.Read(ref Sending)
            ? DateTimeOffset.MaxValue
            : new DateTimeOffset(Volatile.Read(ref NotifiedTicks), TimeSpan.Zero) + NoticeSpacing;
    }
}
