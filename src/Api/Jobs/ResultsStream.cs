using System.Text.Json;
using JobService.Api.Storage;

namespace JobService.Api.Jobs;

/// <summary>
/// Writes <c>GET /jobs/{id}/results</c> as entries come: nothing is buffered beyond a few
/// kilobytes, so a million results cost the server no more memory than ten. Whatever is written
/// is flushed before the stream waits on an unfinished item, so a client sees results as they end.
/// </summary>
internal sealed class ResultsStream(string jobId, ResultOrder order, int offset, IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> batches) : IResult
{
    private const int FlushBytes = 32 * 1024;
    private static readonly JsonEncodedText[] StateNames =
        Enum.GetNames<FutureState>().Select(n => JsonEncodedText.Encode(n.ToLowerInvariant())).ToArray();
    private static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        // The shape is fixed by this class, so the writer's per-call structure checks are not needed.
        await using var json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartObject();
        json.WriteString("jobId", jobId);
        json.WriteString("order", order == ResultOrder.Submitted ? "submitted" : "completed");
        json.WriteNumber("offset", offset);
        json.WriteStartArray("results");
        await using var e = batches.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = e.MoveNextAsync();
            if (!next.IsCompleted) await FlushAsync(json, response, cancellationToken);
            if (!await next) break;
            foreach (var entry in e.Current.Span) Write(json, entry);
            if (json.BytesPending > FlushBytes) await FlushAsync(json, response, cancellationToken);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await FlushAsync(json, response, cancellationToken);
    }

    private static void Write(Utf8JsonWriter json, in ResultEntry entry)
    {
        json.WriteStartObject();
        json.WriteNumber(Index, entry.Index);
        json.WriteString(State, StateNames[(int)entry.State]);
        if (entry.State == FutureState.Finished)
        {
            json.WritePropertyName(Result);
            json.WriteRawValue(entry.Result.Span, skipInputValidation: true);
        }
        else if (entry.State == FutureState.Failed && entry.Error is { } error)
        {
            json.WriteStartObject("error");
            json.WriteString("type", error.Type);
            json.WriteString("message", error.Message);
            if (error.Traceback is not null) json.WriteString("traceback", error.Traceback);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static async Task FlushAsync(Utf8JsonWriter json, HttpResponse response, CancellationToken cancellationToken)
    {
        json.Flush();
        await response.BodyWriter.FlushAsync(cancellationToken);
    }
}
