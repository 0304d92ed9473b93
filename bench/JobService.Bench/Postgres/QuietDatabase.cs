using Npgsql;

namespace JobService.Bench.Postgres;

/// <summary>
/// Before each measurement: no autovacuum worker running. A million-item job leaves the cluster a vacuum to do that would
/// otherwise land in whatever is measured next, on any configuration. No CHECKPOINT is forced: after one, the first write
/// to every page logs the whole page, which PostgreSQL pays once per checkpoint cycle (5 minutes by default), not once per
/// job; measured, a CHECKPOINT before each power_sum job added 15 ms of database CPU to it (70 against 55 ms). The flush
/// debt it would pay is small (that million-item job writes 9 MB of WAL) and the checkpointer spreads it, as in service.
/// </summary>
internal static class QuietDatabase
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    /// <summary>Returns how long autovacuum was waited for.</summary>
    public static async Task<TimeSpan> WaitAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var started = DateTime.UtcNow;
        var deadline = started + MaxWait;
        // Past the deadline the measurement goes ahead: a vacuum that long is the cluster's normal state, not debt.
        while (DateTime.UtcNow < deadline && await AutovacuumWorkersAsync(connection, cancellationToken) > 0)
            await Task.Delay(200, cancellationToken);
        return DateTime.UtcNow - started;
    }

    private static async Task<long> AutovacuumWorkersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
