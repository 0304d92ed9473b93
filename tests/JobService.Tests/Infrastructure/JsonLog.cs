using System.Text.Json;

namespace JobService.Tests.Infrastructure;

/// <summary>A node's log read as an operator's pipeline reads it: one compact JSON event per line (Serilog's CLEF).</summary>
public static class JsonLog
{
    /// <summary>Settings for a node that writes, beside the console's text, one compact JSON event per line.</summary>
    public static IReadOnlyDictionary<string, string> NodeSettings => new Dictionary<string, string>
    {
        ["Serilog:WriteTo:1:Name"] = "Console",
        ["Serilog:WriteTo:1:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
    };

    /// <summary>The events logged so far, once one satisfies <paramref name="seen"/> (or after about 10 s).</summary>
    public static async Task<List<JsonElement>> EventsUntilAsync(ServiceHost host, Func<JsonElement, bool> seen)
    {
        for (var attempt = 0; ; attempt++)
        {
            var events = host.Log.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("{\"@t\"", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            if (events.Any(seen) || attempt == 100) return events;
            await Task.Delay(100);
        }
    }

    public static string Template(JsonElement e) => e.TryGetProperty("@mt", out var template) ? template.GetString()! : "";

    public static string? Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
}
