using System.Reflection;

namespace JobService.Workers.Functions;

/// <summary>
/// Every <see cref="JobFunctionAttribute"/> method of the built-in assembly and of the
/// operator's plugin assemblies. The API loads the same catalog to validate requests and to
/// answer <c>GET /functions</c>; only workers ever call the functions.
/// </summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, JobFunction> _functions;

    private FunctionCatalog(Dictionary<string, JobFunction> functions) => _functions = functions;

    public IEnumerable<FunctionDescriptor> Descriptors => _functions.Values.Select(f => f.Descriptor).OrderBy(d => d.Name, StringComparer.Ordinal);

    public bool TryGet(string name, out JobFunction function) => _functions.TryGetValue(name, out function!);

    public static FunctionCatalog Load(IEnumerable<string> pluginPaths, bool enableFaultInjection)
    {
        var assemblies = new[] { typeof(FunctionCatalog).Assembly }
            .Concat(pluginPaths.Select(path => Assembly.LoadFrom(Path.GetFullPath(path))));
        var functions = new Dictionary<string, JobFunction>(StringComparer.Ordinal);
        foreach (var method in assemblies.SelectMany(a => a.GetTypes()).SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static)))
        {
            var attribute = method.GetCustomAttribute<JobFunctionAttribute>();
            if (attribute is null || (attribute.FaultInjection && !enableFaultInjection)) continue;
            if (!functions.TryAdd(attribute.Name, new JobFunction(method, attribute)))
                throw new InvalidOperationException($"Two functions are named '{attribute.Name}' (the second is {method.DeclaringType}.{method.Name}).");
        }
        return new FunctionCatalog(functions);
    }
}
