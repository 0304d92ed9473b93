using System.Security.Cryptography;

namespace JobService.Api.Storage.Postgres;

/// <summary>This node's name on its leases: new at every start, so a restarted node never mistakes its old leases for its own.</summary>
public sealed class NodeIdentity
{
    public string Id { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
