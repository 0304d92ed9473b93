using Npgsql;

namespace JobService.Api.Storage.Postgres;

internal static class Parameters
{
    /// <summary>Positional parameters <c>$1, $2…</c> in order; null becomes SQL NULL.</summary>
    public static void AddValues(this NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values) parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }

    /// <summary>A statement of a batch, with its positional parameters.</summary>
    public static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddValues(values);
        return command;
    }
}
