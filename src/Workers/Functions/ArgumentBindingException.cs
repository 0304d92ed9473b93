namespace JobService.Workers.Functions;

/// <summary>An item's JSON does not fit the function's parameters (Python's <c>TypeError</c>).</summary>
public sealed class ArgumentBindingException(string message) : Exception(message)
{
    public const string ErrorType = "TypeError";
}
