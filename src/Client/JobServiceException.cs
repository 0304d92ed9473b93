using System.Net;

namespace JobService.Client;

/// <summary>The service refused a request: its RFC 7807 answer (status, title, detail, and the fields that were wrong).</summary>
public sealed class JobServiceException(
    HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(Describe(status, title, detail, errors))
{
    public HttpStatusCode Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;

    /// <summary>Validation errors by field (400), empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    private static string Describe(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var text = detail is null ? $"{(int)status} {title}" : $"{(int)status} {title}: {detail}";
        // A validation answer's detail is a summary ("1 field is not valid"): the fields' own messages say what was wrong.
        foreach (var (field, messages) in errors ?? new Dictionary<string, string[]>())
        {
            var joined = string.Join("; ", messages);
            if (detail is null || !detail.Contains(joined, StringComparison.Ordinal)) text += $"\n{field}: {joined}";
        }
        return text;
    }
}
