namespace JobService.Contracts;

/// <summary>The order of <c>GET /jobs/{id}/results</c>: item order (map) or completion order (as_completed).</summary>
public enum ResultOrder
{
    Submitted,
    Completed,
}
