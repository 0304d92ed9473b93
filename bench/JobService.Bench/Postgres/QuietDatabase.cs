using Npgsql;

namespace JobService.Bench.Postgres;

/// <summary>
/// Before each measurement: no autovacuum worker running, then a CHECKPOINT. A million-item job leaves the cluster work to do
/// (vacuum, dirty pages to flush) that would otherwise land in whatever is measured next, on any configuration.
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
        var waited = DateTime.UtcNow - started;
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
        return waited;
    }

    private static async Task<long> AutovacuumWorkersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
