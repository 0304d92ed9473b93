namespace JobService.Contracts;

/// <summary>What <c>GET /functions</c> shows of one function.</summary>
public sealed record FunctionDescriptor(
    string Name,
    string Description,
    IReadOnlyList<ParameterDescriptor> Parameters,
    string ResultType,
    bool FaultInjection)
{
    public int RequiredParameters => Parameters.Count(p => !p.Optional);
}

/// <summary>One parameter; <see cref="Type"/> is its JSON type (integer, number, string, boolean, array, object, any).</summary>
public sealed record ParameterDescriptor(string Name, string Type, bool Optional);
