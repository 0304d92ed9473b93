namespace JobService.Client;

/// <summary>Where the service is and how to sign in; bound by <see cref="JobServiceClientExtensions.AddJobServiceClient"/>.</summary>
public sealed class JobServiceClientOptions
{
    /// <summary>The node's address, e.g. <c>http://localhost:5080</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set (a node with <c>Auth:Keys</c> configured needs one).</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The longest single long poll (<c>?wait=</c>, <c>POST /futures/wait</c>); longer waits are several polls. Keep it at or
    /// under the node's <c>Jobs:MaxWaitSeconds</c> (300 by default) and under the HttpClient's timeout.
    /// </summary>
    public TimeSpan LongPoll { get; set; } = TimeSpan.FromSeconds(30);
}
