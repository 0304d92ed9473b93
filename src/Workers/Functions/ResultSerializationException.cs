namespace JobService.Workers.Functions;

/// <summary>The function returned, but its value cannot be written as JSON (NaN, a cycle, …).</summary>
public sealed class ResultSerializationException(string message, Exception inner) : Exception(message, inner)
{
    public const string ErrorType = "SerializationError";

    /// <summary>What the JSON writer or serializer throws for a value it cannot write (NaN, cycles, unsupported types).</summary>
    public static bool IsWriteFailure(Exception e) =>
        e is ArgumentException or InvalidOperationException or NotSupportedException or System.Text.Json.JsonException;

    public static ResultSerializationException For(string function, Exception e) =>
        new($"the result of {function}() cannot be written as JSON: {e.Message}", e);
}
