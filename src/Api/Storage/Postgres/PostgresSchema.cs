using Npgsql;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// Creates or upgrades the job store's tables. Every node runs this at start-up; an advisory lock makes
/// the nodes that start together take turns, and each statement is idempotent, so the last ones find
/// nothing to do. Hangfire's own tables are installed under the same lock (see <see cref="PostgresExtensions"/>).
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Bump when the statements below change; older versions are upgraded by the statements themselves (IF NOT EXISTS).</summary>
    public const int Version = 11;

    /// <summary>An arbitrary constant: the advisory lock that serialises schema changes between nodes.</summary>
    private const long MigrationLock = 0x4A6F_6253_6572_7631;

    public static void Ensure(NpgsqlConnection connection, string schema, Action install)
    {
        using (var command = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock})", connection)) command.ExecuteNonQuery();
        try
        {
            RefuseNewer(connection, schema);
            using (var command = new NpgsqlCommand(Ddl(schema), connection)) command.ExecuteNonQuery();
            install();
        }
        finally
        {
            using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLock})", connection);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// A newer node writes rows this one cannot read (outcomes and arguments in newer formats), so an older node does not
    /// join its database: the nodes of a cluster are upgraded together, the old ones stopped before new ones start.
    /// </summary>
    private static void RefuseNewer(NpgsqlConnection connection, string schema)
    {
        var stored = StoredVersion(connection, schema);
        if (stored > Version)
            throw new InvalidOperationException(
                $"The job store's schema in the database is version {stored}, newer than this node's ({Version}): " +
                "a newer version of the service uses it. Run that version on this node too.");
    }

    /// <returns>0 on a database without the job store yet.</returns>
    private static int StoredVersion(NpgsqlConnection connection, string schema)
    {
        using var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_version", connection);
        try
        {
            return (int)command.ExecuteScalar()!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static string Ddl(string s) => $"""
        CREATE SCHEMA IF NOT EXISTS {s};
        CREATE TABLE IF NOT EXISTS {s}.schema_version (version int NOT NULL);
        INSERT INTO {s}.schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {s}.schema_version);

        -- One row per job: what never changes, plus the cancel flag and the count of units not yet done
        -- (touched once per unit, not per item).
        CREATE TABLE IF NOT EXISTS {s}.jobs (
            id text PRIMARY KEY,
            type smallint NOT NULL,
            functions text[] NOT NULL,
            count int NOT NULL,
            spread boolean NOT NULL,
            chunksize int NOT NULL,
            chunks int NOT NULL,
            chunks_per_unit int NOT NULL,
            timeout_seconds double precision,
            retries int NOT NULL,
            queue text NOT NULL,
            created_at timestamptz NOT NULL,
            cancel_requested boolean NOT NULL DEFAULT false,
            open_units int NOT NULL,
            completed_at timestamptz);
        CREATE INDEX IF NOT EXISTS jobs_created ON {s}.jobs (created_at DESC);
        CREATE INDEX IF NOT EXISTS jobs_completed ON {s}.jobs (completed_at) WHERE completed_at IS NOT NULL;

        -- One row per unit: its items' arguments, a bit per terminal item, per-state counters, and the lease
        -- (owner node, expiry, and a generation that fences every write of an earlier owner).
        CREATE TABLE IF NOT EXISTS {s}.units (
            job_id text NOT NULL REFERENCES {s}.jobs ON DELETE CASCADE,
            unit int NOT NULL,
            first_index int NOT NULL,
            count int NOT NULL,
            queue text NOT NULL,
            args bytea NOT NULL,
            slots bytea,
            terminal bytea NOT NULL,
            finished int NOT NULL DEFAULT 0,
            failed int NOT NULL DEFAULT 0,
            cancelled int NOT NULL DEFAULT 0,
            done boolean NOT NULL DEFAULT false,
            batches int NOT NULL DEFAULT 0,
            blames int[] NOT NULL DEFAULT ARRAY[]::int[],
            interrupts int[] NOT NULL DEFAULT ARRAY[]::int[],
            owner text,
            lease bigint NOT NULL DEFAULT 0,
            lease_expires timestamptz,
            attempts int NOT NULL DEFAULT 0,
            worker_pid int,
            started_at timestamptz,
            ready_at timestamptz NOT NULL,
            PRIMARY KEY (job_id, unit));
        CREATE INDEX IF NOT EXISTS units_ready ON {s}.units (queue, ready_at) WHERE NOT done;

        -- One row per recorded batch of outcomes (results, errors, cancellations) of one unit; batch numbers
        -- follow the unit's row lock, so a reader that keeps one cursor per unit misses nothing. Deleted with its job by
        -- the expiry (see version 10).
        CREATE TABLE IF NOT EXISTS {s}.results (
            job_id text NOT NULL,
            unit int NOT NULL,
            batch int NOT NULL,
            min_index int NOT NULL,
            max_index int NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            seq bigserial,
            data bytea NOT NULL,
            PRIMARY KEY (job_id, unit, batch));

        -- Arguments, bitmaps and outcome batches are written once or rewritten often, read rarely, and compress little:
        -- measured on a million-item map, compressing them cost more than storing them as they are.
        ALTER TABLE {s}.units ALTER COLUMN args SET STORAGE EXTERNAL, ALTER COLUMN terminal SET STORAGE EXTERNAL;
        ALTER TABLE {s}.results ALTER COLUMN data SET STORAGE EXTERNAL;

        -- Version 2: outcomes are written compactly (UnitCodec's format 2); rows written before keep format 1.
        ALTER TABLE {s}.results ADD COLUMN IF NOT EXISTS format smallint NOT NULL DEFAULT 1;

        -- Version 3: the API key that created a job (null while the service runs without keys).
        ALTER TABLE {s}.jobs ADD COLUMN IF NOT EXISTS owner text;
        CREATE INDEX IF NOT EXISTS jobs_owner_created ON {s}.jobs (owner, created_at DESC) WHERE owner IS NOT NULL;
        -- When each key last had a unit claimed: with keys, the next unit goes to the key served least recently.
        CREATE TABLE IF NOT EXISTS {s}.owners (owner text PRIMARY KEY, served_at timestamptz NOT NULL);

        -- Version 4: the trace context of the request that created the job, so its units join that trace.
        ALTER TABLE {s}.jobs ADD COLUMN IF NOT EXISTS trace_parent text;

        -- Version 5: a completion order that never changes (see PostgresJobStore.Completion). Each row keeps the ID of the
        -- transaction that wrote it and how many outcomes it holds. Rows from before the upgrade get xid 0: the ALTER waited for
        -- every transaction writing to the table, so they are all settled and come first, in seq order. Adding the column with a
        -- constant default rewrites nothing; only rows written from now on get their writer's xid.
        ALTER TABLE {s}.results ADD COLUMN IF NOT EXISTS xid xid8 NOT NULL DEFAULT '0';
        ALTER TABLE {s}.results ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
        ALTER TABLE {s}.results ADD COLUMN IF NOT EXISTS outcomes int;
        CREATE INDEX IF NOT EXISTS results_completion ON {s}.results (job_id, xid, seq);

        -- Version 6: arguments are packed with varint lengths (UnitCodec's arguments format 2); rows written before keep format 1.
        ALTER TABLE {s}.units ADD COLUMN IF NOT EXISTS args_format smallint NOT NULL DEFAULT 1;

        -- Version 7: numbers in arguments and results are digit-packed (arguments format 3, outcomes format 3). Nothing to
        -- change: each row says in which format it was written.

        -- Version 8: integers in arguments and results are stored as differences (arguments format 4, outcomes format 4).
        -- Nothing to change either.

        -- Version 9: decimal results are stored as differences too (outcomes format 5). Nothing to change.

        -- Version 10: no foreign key from results to jobs. Its check locked the job's row (FOR KEY SHARE) at every batch
        -- written, from every node: measured on power_sum over 99,999 items, 12 % of the database's CPU for the job. A
        -- batch is only written under its unit's lease, and a job is only deleted once completed, so no batch can outlive
        -- its job's delete, which removes its results itself.
        ALTER TABLE {s}.results DROP CONSTRAINT IF EXISTS results_job_id_fkey;

        -- Version 11: decimal results are stored as differences from the step before (outcomes format 6). Nothing to change:
        -- the version only keeps older nodes, which cannot read format 6, from starting on this database.

        UPDATE {s}.schema_version SET version = {Version} WHERE version < {Version};
        """;
}
