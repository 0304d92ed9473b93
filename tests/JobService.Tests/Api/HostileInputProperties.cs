using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>
/// Thousands of generated hostile requests at one real node: each is answered with a 4xx ProblemDetails,
/// never a 5xx, and the node is healthy afterwards.
/// </summary>
[Collection("hostile")]
public sealed class HostileInputProperties(HostileClientFixture service)
{
    private const string Job = """{"type":"map","function":"fib","items":[1,2,3],"chunksize":1,"timeoutSeconds":5,"retries":0,"queue":"default"}""";
    private const string Wait = """{"futureIds":["0123456789abcdef01234567.0"],"returnWhen":"FIRST_COMPLETED","timeoutSeconds":0}""";

    private static readonly string[] Fields = ["type", "function", "items", "args", "calls", "chunksize", "timeoutSeconds", "retries", "queue", "futureIds", "returnWhen"];
    private static readonly string[] WrongValues =
        ["1e400", "-1e400", "123456789012345678901234567890", "-1", "0", "true", "null", "{}", "[]", "[[[]]]", "\"\"", "\"\\ud800\"", "\"x\"", "[\"\\udc00\"]", "1.5", "[null]", "{\"a\":1}"];
    private static readonly string?[] ContentTypes =
        ["application/json", "application/json", "application/json; charset=utf-8", "application/problem+json", null, "text/plain",
         "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json; charset=latin1", "%%%", "application/"];

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 200];

    /// <summary>A valid body with invalid UTF-8 bytes spliced in somewhere.</summary>
    private static readonly Gen<byte[]> InvalidUtf8 =
        Gen.Select(Gen.OneOf(Job, Wait), Gen.Int[0, 100], Gen.OneOf(new byte[] { 0xFF }, [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]),
            (body, at, bad) => Splice(Encoding.UTF8.GetBytes(body), at, bad));

    /// <summary>A valid body cut short.</summary>
    private static readonly Gen<byte[]> Truncated =
        Gen.Select(Gen.OneOf(Job, Wait), Gen.Int[0, 100], (body, at) => Encoding.UTF8.GetBytes(body[..(at % body.Length)]));

    /// <summary>Deeply nested arrays or objects in a field, closed or not.</summary>
    private static readonly Gen<byte[]> Deep =
        Gen.Select(Gen.OneOf(Fields), Gen.Int[1, 5000], Gen.Bool, Gen.Bool, (field, depth, objects, closed) =>
        {
            var (open, close) = objects ? ("{\"a\":", "}") : ("[", "]");
            var value = string.Concat(Enumerable.Repeat(open, depth)) + "1" + (closed ? string.Concat(Enumerable.Repeat(close, depth)) : "");
            return Encoding.UTF8.GetBytes($$"""{"type":"map","function":"nope","{{field}}":{{value}}}""");
        });

    /// <summary>A valid body with one field's value replaced by something of the wrong type or size, or an unknown field added.</summary>
    private static readonly Gen<byte[]> WrongField =
        Gen.Select(Gen.OneOf(Job, Wait), Gen.OneOf(Fields), Gen.OneOf(WrongValues), Gen.Bool, (body, field, value, unknown) =>
        {
            var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body)!
                .ToDictionary(p => p.Key, p => p.Value.GetRawText());
            if (unknown) json["x_" + field] = value;
            else json[field] = value;
            // Unknown or valid-looking bodies must still be wrong somewhere: the function is never in the catalog.
            if (json.ContainsKey("function")) json["function"] = "\"no_such_function\"";
            return Encoding.UTF8.GetBytes("{" + string.Join(",", json.Select(p => $"\"{p.Key}\":{p.Value}")) + "}");
        });

    private static readonly Gen<(string Path, byte[] Body, string? ContentType)> BodyRequests =
        Gen.Select(Gen.OneOf("/jobs", "/futures/wait"),
            Gen.Frequency((2, RandomBytes), (2, InvalidUtf8), (2, Truncated), (1, Deep), (3, WrongField)),
            Gen.OneOf(ContentTypes));

    /// <summary>Arbitrary route values, URL-escaped, for every route that takes an ID (never empty, "." or "..": those name other routes).</summary>
    private static readonly Gen<(string Method, string Url)> IdRequests =
        Gen.Select(Gen.OneOf(("GET", "/futures/{0}"), ("DELETE", "/futures/{0}?force={1}"), ("GET", "/futures/{0}?wait={1}"), ("GET", "/jobs/{0}"),
                ("DELETE", "/jobs/{0}"), ("GET", "/jobs/{0}/results?order={1}&offset={1}&limit={1}")),
            Gen.Frequency((3, Gen.String[1, 40].Where(id => id is not ("." or ".."))), (1, Gen.Char["0123456789abcdef."].Array[20, 30].Select(c => new string(c)))),
            Gen.String[0, 10],
            (route, id, query) => (route.Item1, string.Format(route.Item2, Uri.EscapeDataString(id), Uri.EscapeDataString(query))));

    private HttpClient Client => service.Client;

    [Fact(Timeout = 240_000)]
    public async Task NoGeneratedBodyOrIdGetsAServerErrorAndTheNodeStaysHealthy()
    {
        await BodyRequests.SampleAsync(async request =>
        {
            var content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            using var response = await Client.PostAsync(request.Path, content);
            await AssertClientErrorAsync(response, $"POST {request.Path} ({request.ContentType}) {Encoding.UTF8.GetString(request.Body)}");
        }, iter: 2000, threads: 2);

        await IdRequests.SampleAsync(async request =>
        {
            using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(request.Method), request.Url));
            await AssertClientErrorAsync(response, $"{request.Method} {request.Url}");
        }, iter: 1000, threads: 2);

        using var health = await Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task AssertClientErrorAsync(HttpResponseMessage response, string request)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{request} answered {status}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{request} answered {status} as {response.Content.Headers.ContentType}: {body}");
        Assert.Equal(status, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
    }

    private static byte[] Splice(byte[] body, int at, byte[] bad)
    {
        at %= body.Length + 1;
        return [.. body.AsSpan(0, at), .. bad, .. body.AsSpan(at)];
    }
}
