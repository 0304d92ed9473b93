using Npgsql;

namespace JobService.Tests.Infrastructure;

public sealed class PostgresServerTests
{
    [Fact(Timeout = 60_000)]
    public async Task SharedServerAnswersQueriesOnACreatedDatabase()
    {
        var server = await PostgresServer.SharedAsync();
        await using var connection = new NpgsqlConnection(await server.CreateDatabaseAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select 1", connection);

        Assert.Equal(1, (int)(await command.ExecuteScalarAsync())!);
    }

    [Fact(Timeout = 60_000)]
    public async Task EachCreatedDatabaseIsANewEmptyOne()
    {
        var server = await PostgresServer.SharedAsync();
        var first = await server.CreateDatabaseAsync();
        var second = await server.CreateDatabaseAsync();

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        await ScalarAsync(first, "create table marker (id int)");
        Assert.Equal(true, await ScalarAsync(second, "select to_regclass('marker') is null"));
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
