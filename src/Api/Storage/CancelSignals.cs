namespace JobService.Api.Storage;

/// <summary>
/// Force-cancels as they reach this node: from its own endpoints, or from another node through the
/// store's notifications. The runner listens and kills the workers running those items.
/// </summary>
public sealed class CancelSignals
{
    public event Action<string, IReadOnlyList<int>>? Cancelled;

    public void Publish(string jobId, IReadOnlyList<int> indices)
    {
        if (indices.Count > 0) Cancelled?.Invoke(jobId, indices);
    }
}
