namespace JobService.Workers.Functions;

/// <summary>Marks a public static method as a function clients may call by <see cref="Name"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class JobFunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; init; } = "";

    /// <summary>Functions that exist to break workers (fault tests); callable only where the operator enables them.</summary>
    public bool FaultInjection { get; init; }
}
