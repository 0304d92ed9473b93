using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The one connection per node that LISTENs: job changes wake long-polls, waits and result streams;
/// "units ready" wakes idle drainers and the dispatcher; force-cancels reach the node running the item.
/// On a lost connection it reconnects and wakes everyone, so nothing waits on a notification that was missed.
/// </summary>
internal sealed class PostgresListener(
    NpgsqlDataSource dataSource, ChangeFeed feed, CancelSignals cancels, NodeIdentity node, ILogger<PostgresListener> log) : BackgroundService
{
    public const string JobChanged = "jobservice_changed";
    public const string UnitsReady = "jobservice_ready";
    public const string Cancelled = "jobservice_cancelled";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {JobChanged}; LISTEN {UnitsReady}; LISTEN {Cancelled}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                feed.ChangedAll();
                delay = TimeSpan.FromMilliseconds(100);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning("Notification connection lost, reconnecting in {Delay}: {Reason}", delay, e.Message);
                feed.ChangedAll();
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 5));
            }
        }
    }

    /// <summary>
    /// The payload of a change or ready notification: what changed (jobs or queues, comma-separated), then the node that
    /// changed it. A node pulses its own waiters as it writes, so it skips its own notifications: every recorded batch would
    /// otherwise wake them twice.
    /// </summary>
    public static string Payload(string subject, NodeIdentity from) => $"{subject} {from.Id}";

    /// <summary>SQL for <see cref="Payload(string, NodeIdentity)"/>, when the subject is a column or a parameter of the statement.</summary>
    public static string PayloadSql(string subject, string fromParameter) => $"{subject} || ' ' || {fromParameter}";

    /// <summary>Sends what <see cref="NoticePacer"/> found owed, in as few notifications as PostgreSQL's payload limit allows.</summary>
    public static async Task NotifyAsync(NpgsqlDataSource dataSource, NodeIdentity from, OwedNotices notices)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var (channel, subjects) in new[] { (JobChanged, notices.ChangedJobs), (UnitsReady, notices.ReadyQueues) })
            foreach (var payload in NoticePacer.Payloads(subjects))
                batch.BatchCommands.Add(Parameters.Command("SELECT pg_notify($1, $2)", channel, Payload(payload, from)));
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync();
    }

    /// <summary>The payload naming <paramref name="subjects"/>, changed by <paramref name="from"/>.</summary>
    public static string Payload(IEnumerable<string> subjects, NodeIdentity from) => Payload(string.Join(',', subjects), from);

    private void Dispatch(string channel, string payload)
    {
        if (channel is JobChanged or UnitsReady)
        {
            var space = payload.LastIndexOf(' ');
            if (space < 0 || payload.AsSpan(space + 1).SequenceEqual(node.Id)) return;
            payload = payload[..space];
        }
        switch (channel)
        {
            case JobChanged:
                foreach (var changed in payload.Split(',')) feed.Changed(changed);
                break;
            case UnitsReady:
                feed.UnitsReady.Pulse();
                break;
            case Cancelled:
                var (jobId, indices) = CancelPayload.Parse(payload);
                cancels.Publish(jobId, indices);
                break;
        }
    }
}

/// <summary>A force-cancel notification: "jobId:1,2,3". PostgreSQL caps a payload near 8000 bytes, so long lists go in several.</summary>
internal static class CancelPayload
{
    private const int MaxLength = 7000;

    public static IEnumerable<string> Format(string jobId, IReadOnlyList<int> indices)
    {
        var text = new System.Text.StringBuilder();
        foreach (var index in indices)
        {
            if (text.Length == 0) text.Append(jobId).Append(':');
            else text.Append(',');
            text.Append(index);
            if (text.Length < MaxLength) continue;
            yield return text.ToString();
            text.Clear();
        }
        if (text.Length > 0) yield return text.ToString();
    }

    public static (string JobId, IReadOnlyList<int> Indices) Parse(string payload)
    {
        var colon = payload.IndexOf(':');
        return (payload[..colon], payload[(colon + 1)..].Split(',').Select(int.Parse).ToArray());
    }
}
