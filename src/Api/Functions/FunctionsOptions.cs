namespace JobService.Api.Functions;

/// <summary><c>Functions:*</c>: which functions clients may call on this node.</summary>
public sealed class FunctionsOptions
{
    public const string SectionName = "Functions";

    /// <summary>Paths of plugin assemblies whose [JobFunction] methods join the catalog.</summary>
    public string[] Plugins { get; set; } = [];

    /// <summary>Enables the fault-injection functions (crash, spin, …): on in Development and tests only.</summary>
    public bool EnableFaultInjection { get; set; }
}
