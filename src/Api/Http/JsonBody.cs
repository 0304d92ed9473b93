using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace JobService.Api.Http;

/// <summary>Reads a small JSON body; a malformed one yields the parser's own message (line and position) for the 400.</summary>
internal static class JsonBody
{
    public static async Task<(T? Value, string? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken);
            return value is null ? (null, "the body must be a JSON object") : (value, null);
        }
        catch (JsonException e)
        {
            return (null, $"the body is not valid: {e.Message}");
        }
    }
}
