using JobService.Api.Storage.Postgres;
using JobService.Tests.Infrastructure;
using Npgsql;

namespace JobService.Tests.Storage;

public sealed class PostgresDataSourcesTests
{
    /// <summary>Analyzed while it holds one row, as autovacuum leaves a table that was nearly empty.</summary>
    [Fact(Timeout = 30_000)]
    public async Task A_lookup_by_key_in_a_one_page_table_uses_the_index_on_the_stores_connections_only()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var sources = new PostgresDataSources(database);
        await using (var create = sources.Durable.CreateCommand("CREATE TABLE keyed (id text PRIMARY KEY); INSERT INTO keyed VALUES ('a'); ANALYZE keyed"))
            await create.ExecuteNonQueryAsync();
        const string lookup = "EXPLAIN SELECT 1 FROM keyed WHERE id = 'a'";

        Assert.Contains("Index", await FirstLineAsync(sources.Durable, lookup));
        Assert.Contains("Index", await FirstLineAsync(sources.Relaxed, lookup));
        await using var plain = NpgsqlDataSource.Create(database);
        Assert.Contains("Seq Scan", await FirstLineAsync(plain, lookup));
    }

    /// <summary>
    /// A bitmap scan loses the index's order: under a plan kept from when the table was nearly empty, a claim of the oldest
    /// ready units read and sorted the whole backlog to keep a few (seen live, with EXPLAIN, behind a few thousand submits).
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task The_stores_connections_plan_without_bitmap_scans()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var sources = new PostgresDataSources(database);

        Assert.Equal("off", await FirstLineAsync(sources.Durable, "SHOW enable_bitmapscan"));
        Assert.Equal("off", await FirstLineAsync(sources.Relaxed, "SHOW enable_bitmapscan"));
    }

    [Fact(Timeout = 30_000)]
    public async Task The_operators_own_setting_of_sequential_scans_wins()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var sources = new PostgresDataSources($"{database};Options=-c enable_seqscan=on");

        Assert.Equal("on", await FirstLineAsync(sources.Durable, "SHOW enable_seqscan"));
        Assert.Equal("off", await FirstLineAsync(sources.Relaxed, "SHOW synchronous_commit"));
    }

    private static async Task<string> FirstLineAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
