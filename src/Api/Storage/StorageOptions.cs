using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Storage;

/// <summary><c>Storage:*</c>: where jobs and Hangfire's queue live, and how long a node's claim on a unit lasts.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";
    public const string InMemory = "InMemory";
    public const string PostgreSql = "PostgreSql";

    /// <summary><c>InMemory</c> (default: one node, nothing to install) or <c>PostgreSql</c> (durable, any number of nodes).</summary>
    [RegularExpression("^(InMemory|PostgreSql)$", ErrorMessage = "Storage:Provider must be InMemory or PostgreSql.")]
    public string Provider { get; set; } = InMemory;

    /// <summary>
    /// How long a node's claim on a unit lasts without renewal: when a node dies, another one takes its
    /// unfinished units over this long after its last renewal.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Renewals come this often: a third of the lease, at most a second (a force-cancel sent to another node is noticed by then).</summary>
    public TimeSpan RenewInterval => TimeSpan.FromTicks(Math.Min(Lease.Ticks / 3, TimeSpan.TicksPerSecond));

    /// <summary>The PostgreSQL schema of the job store (Hangfire's tables go in <c>hangfire</c>).</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Storage:Schema must be a lowercase SQL identifier.")]
    public string Schema { get; set; } = "jobservice";

    public bool IsPostgreSql => Provider == PostgreSql;
}
