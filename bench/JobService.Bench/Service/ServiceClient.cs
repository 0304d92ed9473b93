using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace JobService.Bench.Service;

/// <summary>What a client of the service does, over one <see cref="HttpClient"/> (SocketsHttpHandler, keep-alive).</summary>
internal sealed class ServiceClient(Uri baseAddress) : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>A posted job: its ID and the size of the 202 body (it must stay small, whatever the job's size).</summary>
    public sealed record PostedJob(string JobId, int ResponseBytes);

    public async Task<PostedJob> PostJobAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync("/jobs", content, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new BenchException($"POST /jobs answered {(int)response.StatusCode}: {Excerpt(bytes)}");
        return new PostedJob(JsonFields.String(bytes, "jobId") ?? throw new BenchException($"POST /jobs: no jobId in {Excerpt(bytes)}"), bytes.Length);
    }

    /// <summary>GET /jobs/{id}/results?wait=S, read as it streams and tallied entry by entry.</summary>
    public async Task<ResultsTally> ReadResultsAsync(string jobId, int waitSeconds, ResultCheck check, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/jobs/{jobId}/results?wait={waitSeconds}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new BenchException($"GET /jobs/{jobId}/results answered {(int)response.StatusCode}: {Excerpt(await response.Content.ReadAsByteArrayAsync(cancellationToken))}");
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await ResultsReader.ReadAsync(body, check, cancellationToken);
    }

    /// <summary>GET /futures/{id}?wait=S: the future's state ("finished", "pending"…).</summary>
    public async Task<string> GetFutureStateAsync(string futureId, int waitSeconds, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/futures/{futureId}?wait={waitSeconds}", cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return "expired";
        if (response.StatusCode != HttpStatusCode.OK)
            throw new BenchException($"GET /futures/{futureId} answered {(int)response.StatusCode}: {Excerpt(bytes)}");
        return JsonFields.String(bytes, "state") ?? throw new BenchException($"GET /futures/{futureId}: no state in {Excerpt(bytes)}");
    }

    /// <summary>POST /futures/wait with ALL_COMPLETED: how many are done, or null when some IDs are unknown (expired).</summary>
    public async Task<(int Done, int NotDone)?> WaitAllAsync(IReadOnlyList<string> futureIds, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { futureIds, returnWhen = "ALL_COMPLETED", timeoutSeconds });
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync("/futures/wait", content, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new BenchException($"POST /futures/wait answered {(int)response.StatusCode}: {Excerpt(bytes)}");
        using var document = JsonDocument.Parse(bytes);
        return (document.RootElement.GetProperty("done").GetArrayLength(), document.RootElement.GetProperty("notDone").GetArrayLength());
    }

    /// <summary>GET /jobs/{id}: false once the job has expired (404).</summary>
    public async Task<bool> JobExistsAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/jobs/{jobId}", cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            var status => throw new BenchException($"GET /jobs/{jobId} answered {(int)status}"),
        };
    }

    /// <summary>The server's own timestamps of a job from GET /jobs/{id}: created, started, completed.</summary>
    public async Task<(DateTimeOffset Created, DateTimeOffset Started, DateTimeOffset Completed)> GetJobTimesAsync(string jobId, CancellationToken cancellationToken)
    {
        var bytes = await _http.GetByteArrayAsync($"/jobs/{jobId}", cancellationToken);
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        return (root.GetProperty("createdAt").GetDateTimeOffset(), root.GetProperty("startedAt").GetDateTimeOffset(), root.GetProperty("completedAt").GetDateTimeOffset());
    }

    /// <summary>GET /jobs?limit=1000: how many jobs the node still holds (completed ones go after Jobs:Retention).</summary>
    public async Task<int> CountJobsAsync(CancellationToken cancellationToken)
    {
        var bytes = await _http.GetByteArrayAsync("/jobs?limit=1000", cancellationToken);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.GetProperty("jobs").GetArrayLength();
    }

    /// <summary>The node's <c>dotnet.jit.compiled_methods</c>, read from <c>GET /metrics</c> (Prometheus text).</summary>
    public async Task<long> JitCompiledMethodsAsync(CancellationToken cancellationToken)
    {
        const string Name = "dotnet_jit_compiled_methods_total";
        var text = await _http.GetStringAsync("/metrics", cancellationToken);
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(Name, StringComparison.Ordinal) && long.TryParse(line[(line.LastIndexOf(' ') + 1)..], out var value)) return value;
        throw new BenchException($"GET /metrics has no {Name}");
    }

    public void Dispose() => _http.Dispose();

    private static string Excerpt(byte[] bytes) => Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 500));
}

/// <summary>A check failed: the service answered something a client could not use. The run stops.</summary>
internal sealed class BenchException(string message) : Exception(message);

/// <summary>Reads one top-level string property of a small JSON body without building a document.</summary>
internal static class JsonFields
{
    public static string? String(ReadOnlySpan<byte> json, string name)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1) reader.Skip();
        }
        return null;
    }
}
