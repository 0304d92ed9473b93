namespace JobService.Api.Pool;

/// <summary>A worker process could not be started or ended before its hello.</summary>
public sealed class WorkerStartException(string message) : Exception(message);
