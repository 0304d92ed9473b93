namespace JobService.Workers.Hosting;

/// <summary>The environment variables the host sets when it spawns a worker; one place for both sides.</summary>
public static class WorkerEnvironment
{
    public const string PluginPaths = "JOBSERVICE_PLUGINS";
    public const string FaultInjection = "JOBSERVICE_FAULT_INJECTION";

    public static IReadOnlyList<string> ReadPluginPaths() =>
        (Environment.GetEnvironmentVariable(PluginPaths) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool ReadFaultInjection() => Environment.GetEnvironmentVariable(FaultInjection) == "1";
}
