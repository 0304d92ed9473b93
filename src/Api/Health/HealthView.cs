namespace JobService.Api.Health;

/// <summary>
/// The body of every health endpoint. <c>status</c> is <c>Healthy</c>, <c>Degraded</c> (serving, but not at full
/// strength: a worker is being replaced) or <c>Unhealthy</c>; <c>reason</c> says why when it is not Healthy.
/// </summary>
public sealed record HealthView(string Status, string? Reason, WorkersHealth? Workers, StorageHealth? Storage, IReadOnlyList<HealthCheckView> Checks);

public sealed record WorkersHealth(int Live, int Target);

public sealed record StorageHealth(string Provider, bool Reachable);

/// <summary>One check of the report: <c>workers</c> or <c>storage</c>.</summary>
public sealed record HealthCheckView(string Name, string Status, string? Description, double DurationMs);
