namespace JobService.Workers.Functions;

/// <summary>An argument of the right type but a value the function refuses (Python's <c>ValueError</c>).</summary>
public sealed class ArgumentValueException(string message) : Exception(message)
{
    public const string ErrorType = "ValueError";
}
