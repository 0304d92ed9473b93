using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Two connection pools on one database. What a client is promised (an accepted job, a cancel) commits
/// durably: flushed to disk before the answer. What can be redone commits without waiting for the flush
/// (<c>synchronous_commit=off</c>): claims, leases and outcomes. A crash of the database server itself
/// may forget the last fraction of a second of those, which only means a unit runs again; a crash of a
/// node loses nothing either way, since every commit has reached the server.
/// </summary>
public sealed class PostgresDataSources : IAsyncDisposable
{
    public PostgresDataSources(string connectionString)
    {
        var durable = Tuned(connectionString);
        Durable = NpgsqlDataSource.Create(durable.ConnectionString);
        durable.Options = $"{durable.Options} -c synchronous_commit=off".Trim();
        Relaxed = NpgsqlDataSource.Create(durable.ConnectionString);
    }

    /// <summary>
    /// Measured on the submit round trip: a pooled connection's reset (DISCARD ALL) cost a round trip per use, and parsing
    /// and planning the same few statements again and again cost more than running them. Settings the operator gave win.
    /// Every statement of the store finds its rows through an index, but a plan kept from when a table was nearly empty
    /// scans it whole: prepared statements and the foreign-key checks keep a generic plan, made once, and a scan is the
    /// cheapest plan for a table of one page. Until autovacuum next analyzes the table, that plan stays as the table grows:
    /// measured on a database holding 4,000 jobs, a foreign-key check took 0.57 ms instead of 0.02 and a unit's intake
    /// 10 ms instead of 0.6. Without sequential scans the planner takes the index whatever the table's size.
    /// Nor bitmap scans: they lose the index's order, and a claim, which takes the oldest ready units, then reads and sorts
    /// every ready unit to keep a few. Measured on single-call submits behind a backlog of a few thousand: 4,000 buffers and
    /// 8 ms per claim instead of 40 buffers, walking the index in order and stopping at the limit.
    /// </summary>
    private static NpgsqlConnectionStringBuilder Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = connectionString.Split(';').Select(p => p.Split('=')[0].Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("No Reset On Close")) builder.NoResetOnClose = true;
        if (!given.Contains("Max Auto Prepare")) builder.MaxAutoPrepare = 64;
        if (!given.Contains("Auto Prepare Min Usages")) builder.AutoPrepareMinUsages = 2;
        foreach (var scan in new[] { "enable_seqscan", "enable_bitmapscan" })
            if (builder.Options?.Contains(scan, StringComparison.OrdinalIgnoreCase) != true)
                builder.Options = $"{builder.Options} -c {scan}=off".Trim();
        return builder;
    }

    public NpgsqlDataSource Durable { get; }
    public NpgsqlDataSource Relaxed { get; }

    public async ValueTask DisposeAsync()
    {
        await Durable.DisposeAsync();
        await Relaxed.DisposeAsync();
    }
}
