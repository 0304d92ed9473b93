using System.Buffers;
using System.Globalization;
using System.Text.Json;
using JobService.Api.Storage;

namespace JobService.Api.Jobs;

/// <summary>
/// <c>GET /jobs/{id}/events</c>: <c>as_completed</c> pushed. One <c>future</c> event per outcome in the job's completion
/// order, whose <c>id:</c> is its position in that order (1 for the first future to end), then one <c>end</c> event with
/// the job as <c>GET /jobs/{id}</c> answers it. The order is the store's completion order, which never changes once read
/// (see PostgresJobStore.Completion), so a client that resumes with <c>Last-Event-ID: n</c> gets the outcomes after the
/// n-th, none twice and none missed. Outcomes are read from the store in batches, as the results endpoint reads them:
/// a million-future job costs no more memory than ten.
/// </summary>
internal sealed class EventStream(string jobId, int count, int from, TimeSpan keepAlive, IJobStore store, JsonSerializerOptions jsonOptions) : IResult
{
    public const string ContentType = "text/event-stream";
    private static readonly JsonEncodedText FutureIdName = JsonEncodedText.Encode("futureId");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = $"{ContentType}; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // nginx buffers responses unless told not to; an event that waits in a proxy's buffer is no event.
        response.Headers["X-Accel-Buffering"] = "no";
        var body = response.BodyWriter;
        await body.FlushAsync(cancellationToken);
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { SkipValidation = true });
        var position = from;
        while (position < count)
        {
            // A round reads until the keep-alive interval passes with nothing new; the stream then says it is alive and
            // asks again from where it stands.
            await foreach (var batch in store.ReadResultsAsync(jobId, ResultOrder.Completed, position, count - position,
                               DateTimeOffset.UtcNow + keepAlive, cancellationToken))
            {
                foreach (var entry in batch.Span) WriteFuture(json, body, ++position, entry);
                await body.FlushAsync(cancellationToken);
            }
            if (position >= count) break;
            body.Write(": ping\n\n"u8);
            await body.FlushAsync(cancellationToken);
            // A job that expired while the stream waited has nothing more to say.
            if (await store.GetJobAsync(jobId, cancellationToken) is null) return;
        }
        var job = await store.GetJobAsync(jobId, cancellationToken);
        if (job is null) return;
        body.Write("event: end\ndata: "u8);
        json.Reset(body);
        JsonSerializer.Serialize(json, JobView.From(job), jsonOptions);
        json.Flush();
        body.Write("\n\n"u8);
        await body.FlushAsync(cancellationToken);
    }

    private void WriteFuture(Utf8JsonWriter json, IBufferWriter<byte> body, int id, ResultEntry entry)
    {
        body.Write("id: "u8);
        id.TryFormat(body.GetSpan(16), out var digits, default, CultureInfo.InvariantCulture);
        body.Advance(digits);
        body.Write("\nevent: future\ndata: "u8);
        json.Reset(body);
        json.WriteStartObject();
        json.WriteString(FutureIdName, new FutureId(jobId, entry.Index).ToString());
        ResultsStream.WriteFields(json, OnOneLine(entry));
        json.WriteEndObject();
        json.Flush();
        body.Write("\n\n"u8);
    }

    /// <summary>A data line ends at a line break: a result kept as its caller wrote it (echo) loses its whitespace here.</summary>
    private static ResultEntry OnOneLine(ResultEntry entry)
    {
        if (entry.State != FutureState.Finished || entry.Result.Span.IndexOfAny((byte)'\n', (byte)'\r') < 0) return entry;
        using var document = JsonDocument.Parse(entry.Result);
        var compact = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(compact)) document.WriteTo(writer);
        return entry with { Result = compact.WrittenMemory };
    }
}
