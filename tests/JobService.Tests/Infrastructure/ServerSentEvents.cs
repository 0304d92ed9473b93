using System.Net;
using System.Text;
using System.Text.Json;

namespace JobService.Tests.Infrastructure;

/// <summary>One event of a <c>text/event-stream</c>: its <c>id:</c>, <c>event:</c> and <c>data:</c> fields.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>
/// Reads <c>GET /jobs/{id}/events</c> as an EventSource would: line by line as the bytes arrive, an event per blank line,
/// comments (<c>: ping</c>) counted apart.
/// </summary>
public sealed class EventStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _lines;

    private EventStreamReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _lines = new StreamReader(body, Encoding.UTF8);
    }

    public HttpResponseMessage Response => _response;
    public int Comments { get; private set; }

    /// <summary>Opens the stream (headers read, body not), resuming after <paramref name="lastEventId"/> when given.</summary>
    public static async Task<EventStreamReader> OpenAsync(HttpClient client, string jobId, string? lastEventId = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/events{query}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // Only a failure is read to its end: a stream's body ends with the job.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"GET /jobs/{jobId}/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return new EventStreamReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, or null when the server closed the stream.</summary>
    public async Task<ServerSentEvent?> NextAsync()
    {
        string? id = null, name = null;
        var data = new StringBuilder();
        while (await _lines.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (name is null && data.Length == 0) continue;
                return new ServerSentEvent(id, name ?? "message", data.ToString());
            }
            if (line[0] == ':')
            {
                Comments++;
                continue;
            }
            var colon = line.IndexOf(':');
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
            }
        }
        return null;
    }

    /// <summary>Every event until the server closes the stream (after <c>end</c>).</summary>
    public async Task<List<ServerSentEvent>> ToEndAsync()
    {
        var events = new List<ServerSentEvent>();
        while (await NextAsync() is { } next) events.Add(next);
        return events;
    }

    public async Task<List<ServerSentEvent>> TakeAsync(int count)
    {
        var events = new List<ServerSentEvent>();
        while (events.Count < count && await NextAsync() is { } next) events.Add(next);
        return events;
    }

    public ValueTask DisposeAsync()
    {
        _lines.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
