namespace JobService.Workers.Functions;

/// <summary>The function returned, but its value cannot be written as JSON (NaN, a cycle, …).</summary>
public sealed class ResultSerializationException(string message, Exception inner) : Exception(message, inner)
{
    public const string ErrorType = "SerializationError";
}
