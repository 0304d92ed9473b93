using System.Text.Json;

namespace JobService.Client.Http;

/// <summary>Turns an error answer (RFC 7807 ProblemDetails, or anything else) into a <see cref="JobServiceException"/>.</summary>
internal static class Problems
{
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        throw await ReadAsync(response, cancellationToken);
    }

    public static async Task<JobServiceException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = response.StatusCode;
        var title = response.ReasonPhrase ?? status.ToString();
        string? detail = null;
        var errors = new Dictionary<string, string[]>();
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString()!;
                if (root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
                if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                    foreach (var field in e.EnumerateObject())
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? field.Value.EnumerateArray().Select(m => m.ToString()).ToArray()
                            : [field.Value.ToString()];
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): its first characters are the best detail there is.
            detail = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 500)));
        }
        if (detail is null && errors.Count > 0) detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
        return new JobServiceException(status, title, string.IsNullOrEmpty(detail) ? null : detail, errors);
    }
}
