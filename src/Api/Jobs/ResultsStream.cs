using System.Buffers;
using System.Text.Json;
using JobService.Api.Storage;

namespace JobService.Api.Jobs;

/// <summary>The three shapes of <c>GET /jobs/{id}/results</c> (see README, "Results").</summary>
internal enum ResultShape
{
    /// <summary><c>{jobId, order, offset, results: [{index, state, result | error}]}</c>: self-describing.</summary>
    Full,

    /// <summary><c>{jobId, offset, values: [...], failed: [{index, type, message, traceback}], cancelled: [...], unfinished: [...]}</c>.</summary>
    Compact,

    /// <summary><c>application/x-ndjson</c>: one <c>{index, state, result | error}</c> per line.</summary>
    Ndjson,
}

/// <summary>
/// Writes <c>GET /jobs/{id}/results</c> as entries come: nothing is buffered beyond a few
/// kilobytes, so a million results cost the server no more memory than ten. Whatever is written
/// is flushed before the stream waits on an unfinished item, so a client sees results as they end.
/// </summary>
internal sealed class ResultsStream(
    string jobId, ResultOrder order, int offset, ResultShape shape, IAsyncEnumerable<ReadOnlyMemory<ResultEntry>> batches) : IResult
{
    public const string NdjsonType = "application/x-ndjson";
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
        response.ContentType = shape == ResultShape.Ndjson ? $"{NdjsonType}; charset=utf-8" : "application/json; charset=utf-8";
        // The shape is fixed by this class, so the writer's per-call structure checks are not needed.
        await using var json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        var compact = shape == ResultShape.Compact ? new CompactTail() : null;
        WriteHead(json);
        await using var e = batches.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = e.MoveNextAsync();
            if (!next.IsCompleted) await FlushAsync(json, response, cancellationToken);
            if (!await next) break;
            foreach (var entry in e.Current.Span)
            {
                if (compact is not null) compact.Write(json, entry);
                else WriteEntry(json, entry);
                if (shape == ResultShape.Ndjson) EndLine(json, response);
            }
            if (json.BytesPending > FlushBytes) await FlushAsync(json, response, cancellationToken);
        }
        if (compact is not null) compact.End(json);
        else if (shape == ResultShape.Full) json.WriteEndArray();
        if (shape != ResultShape.Ndjson) json.WriteEndObject();
        await FlushAsync(json, response, cancellationToken);
    }

    private void WriteHead(Utf8JsonWriter json)
    {
        if (shape == ResultShape.Ndjson) return;
        json.WriteStartObject();
        json.WriteString("jobId", jobId);
        if (shape == ResultShape.Full) json.WriteString("order", order == ResultOrder.Submitted ? "submitted" : "completed");
        json.WriteNumber("offset", offset);
        json.WriteStartArray(shape == ResultShape.Full ? "results" : "values");
    }

    private static void WriteEntry(Utf8JsonWriter json, in ResultEntry entry)
    {
        json.WriteStartObject();
        WriteFields(json, entry);
        json.WriteEndObject();
    }

    /// <summary><c>index, state, result | error</c>: an entry's fields, as every results shape and the event stream write them.</summary>
    internal static void WriteFields(Utf8JsonWriter json, in ResultEntry entry)
    {
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
            WriteError(json, error);
            json.WriteEndObject();
        }
    }

    private static void WriteError(Utf8JsonWriter json, FutureError error)
    {
        json.WriteString("type", error.Type);
        json.WriteString("message", error.Message);
        if (error.Traceback is not null) json.WriteString("traceback", error.Traceback);
    }

    /// <summary>One line per entry: the writer starts afresh after each, so no separator lands between them.</summary>
    private static void EndLine(Utf8JsonWriter json, HttpResponse response)
    {
        json.Flush();
        response.BodyWriter.Write("\n"u8);
        json.Reset(response.BodyWriter);
    }

    private static async Task FlushAsync(Utf8JsonWriter json, HttpResponse response, CancellationToken cancellationToken)
    {
        json.Flush();
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The compact shape: a bare value per item (null when it has none), and beside the array the items that did not
    /// finish. A million small integers cost about what the integers themselves do, instead of ~50 MB of repeated keys.
    /// </summary>
    private sealed class CompactTail
    {
        private readonly List<ResultEntry> _failed = [];
        private readonly List<int> _cancelled = [];
        private readonly List<int> _unfinished = [];

        public void Write(Utf8JsonWriter json, in ResultEntry entry)
        {
            if (entry.State == FutureState.Finished)
            {
                json.WriteRawValue(entry.Result.Span, skipInputValidation: true);
                return;
            }
            json.WriteNullValue();
            if (entry.State == FutureState.Failed) _failed.Add(entry);
            else if (entry.State == FutureState.Cancelled) _cancelled.Add(entry.Index);
            else _unfinished.Add(entry.Index);
        }

        public void End(Utf8JsonWriter json)
        {
            json.WriteEndArray();
            json.WriteStartArray("failed");
            foreach (var failure in _failed)
            {
                json.WriteStartObject();
                json.WriteNumber(Index, failure.Index);
                if (failure.Error is { } error) WriteError(json, error);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            WriteIndexes(json, "cancelled", _cancelled);
            WriteIndexes(json, "unfinished", _unfinished);
        }

        private static void WriteIndexes(Utf8JsonWriter json, string name, List<int> indexes)
        {
            json.WriteStartArray(name);
            foreach (var index in indexes) json.WriteNumberValue(index);
            json.WriteEndArray();
        }
    }
}
