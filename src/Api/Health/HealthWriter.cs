using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace JobService.Api.Health;

/// <summary>Writes a health report as <see cref="HealthView"/> JSON, with the app's JSON conventions.</summary>
internal static class HealthWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var entries = report.Entries;
        var reason = string.Join("; ", entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description));
        var workers = entries.TryGetValue(WorkersHealthCheck.Name, out var w)
            ? new WorkersHealth((int)w.Data["live"], (int)w.Data["target"]) : null;
        var storage = entries.TryGetValue(StorageHealthCheck.Name, out var s)
            ? new StorageHealth((string)s.Data["provider"], Reachable: s.Status == HealthStatus.Healthy) : null;
        var checks = entries.Select(e => new HealthCheckView(e.Key, e.Value.Status.ToString(), e.Value.Description, e.Value.Duration.TotalMilliseconds)).ToArray();
        var view = new HealthView(report.Status.ToString(), reason.Length > 0 ? reason : null, workers, storage, checks);
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(view, json, context.RequestAborted);
    }
}
