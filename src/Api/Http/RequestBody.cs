using System.Text.Unicode;
using JobService.Api.Limits;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace JobService.Api.Http;

/// <summary>
/// Reads a JSON request body into one array: only <c>application/json</c>, never more than a limit,
/// only valid UTF-8, and only a few large bodies at a time. Every endpoint that takes a body reads it here.
/// </summary>
internal sealed class RequestBody(IOptions<LimitsOptions> limits)
{
    /// <summary>A body over this size holds a slot of Limits:ConcurrentLargeUploads while it is read.</summary>
    public const long LargeBytes = 1024 * 1024;

    private readonly SemaphoreSlim _largeUploads = new(limits.Value.ConcurrentLargeUploads);

    /// <param name="limit">Most bytes accepted.</param>
    /// <param name="limitName">How the 413 names the limit, e.g. "a job body may be at most 512 MB (Jobs:MaxBodyMegabytes)".</param>
    /// <param name="suffix">Bytes appended after the body (not counted), e.g. so that a reader has a slice to point at.</param>
    public async Task<BodyRead> ReadAsync(HttpRequest request, long limit, string limitName, ReadOnlyMemory<byte> suffix, CancellationToken cancellationToken)
    {
        // A browser page may POST text/plain or a form to us from any site without asking (no CORS preflight):
        // demanding application/json closes that door.
        if (!IsJson(request.ContentType))
            return Refuse(request, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "send the body as JSON with Content-Type: application/json");
        if (request.ContentLength > limit) return TooLarge(request, limitName);

        // Kestrel counts the bytes as they arrive and throws at limit + 1: a chunked body over the limit is
        // refused there, not after it has been buffered. This also replaces Kestrel's 30 MB default.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        var slot = false;
        try
        {
            // A body known to be large takes its slot before it is read; one of unknown length (chunked) when it grows past LargeBytes.
            if (request.ContentLength > LargeBytes && !(slot = _largeUploads.Wait(0))) return Busy(request);
            var buffer = new byte[Math.Min(request.ContentLength ?? 16 * 1024, limit) + suffix.Length + 1];
            var length = 0;
            while (true)
            {
                if (buffer.Length - length < suffix.Length + 1)
                {
                    if (length >= limit) return TooLarge(request, limitName);
                    Array.Resize(ref buffer, (int)Math.Min(limit + suffix.Length + 1, buffer.Length * 2L));
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, buffer.Length - length - suffix.Length), cancellationToken);
                if (read == 0) break;
                length += read;
                if (length > limit) return TooLarge(request, limitName);
                if (length > LargeBytes && !slot && !(slot = _largeUploads.Wait(0))) return Busy(request);
            }
            suffix.Span.CopyTo(buffer.AsSpan(length));
            // One pass over the bytes: nothing downstream (our reader, the store, the results stream) may meet invalid UTF-8.
            if (!Utf8.IsValid(buffer.AsSpan(0, length)))
            {
                var (field, offset) = InvalidUtf8.Locate(buffer.AsSpan(0, length));
                return new BodyRead([], 0, BodyProblem.Invalid(field, $"invalid UTF-8 at byte {offset}: JSON text must be UTF-8"));
            }
            return new BodyRead(buffer, length, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(request, limitName);
        }
        finally
        {
            if (slot) _largeUploads.Release();
        }
    }

    /// <summary>application/json, with or without a charset, or any <c>+json</c> type.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.MediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
                && media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static BodyRead TooLarge(HttpRequest request, string limitName) =>
        Refuse(request, StatusCodes.Status413PayloadTooLarge, "Request body too large", limitName);

    private BodyRead Busy(HttpRequest request)
    {
        request.HttpContext.Response.Headers.RetryAfter = "1";
        return Refuse(request, StatusCodes.Status429TooManyRequests, "Too many large uploads",
            $"this node is already receiving {limits.Value.ConcurrentLargeUploads} large bodies (Limits:ConcurrentLargeUploads); retry after a second");
    }

    private static BodyRead Refuse(HttpRequest request, int status, string title, string detail)
    {
        // The rest of an unread body is not worth draining: the connection closes after this answer.
        request.HttpContext.Response.Headers.Connection = "close";
        return new BodyRead([], 0, new BodyProblem(status, title, detail));
    }
}
