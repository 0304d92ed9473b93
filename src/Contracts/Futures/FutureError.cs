namespace JobService.Contracts;

/// <summary>An item's error as clients see it: Python's exception type, message and remote traceback.</summary>
public sealed record FutureError(string Type, string Message, string? Traceback);
