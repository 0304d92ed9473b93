namespace JobService.Client;

/// <summary>What <see cref="JobServiceExecutor.WaitAsync"/> returns, as <c>concurrent.futures.wait</c>: the done and the not-done futures.</summary>
public sealed record WaitResult(IReadOnlySet<JobFuture> Done, IReadOnlySet<JobFuture> NotDone);
