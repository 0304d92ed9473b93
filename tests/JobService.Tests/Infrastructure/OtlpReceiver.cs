using System.IO.Compression;
using System.Net;
using System.Text;

namespace JobService.Tests.Infrastructure;

/// <summary>One span as a node exported it by OTLP: ids in lowercase hex, attributes as text, status code 2 = error.</summary>
public sealed record ExportedSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, ulong StartNanos, ulong EndNanos,
    IReadOnlyDictionary<string, string> Attributes, int StatusCode, string StatusMessage);

/// <summary>
/// An OTLP/HTTP trace endpoint on loopback (<c>POST /v1/traces</c>, protobuf), so a test sees the spans a real node exports
/// exactly as a collector would. Reads only the fields of <c>opentelemetry/proto/trace/v1/trace.proto</c> the tests check.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ExportedSpan> _spans = [];
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Port = ProcessTable.FreeLoopbackPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The settings that make a node export its traces here, at once rather than every 5 s.</summary>
    public IReadOnlyDictionary<string, string> NodeSettings => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    public IReadOnlyList<ExportedSpan> Spans
    {
        get
        {
            lock (_spans) return [.. _spans];
        }
    }

    /// <summary>Waits until the spans received satisfy <paramref name="enough"/>; returns them all.</summary>
    public async Task<IReadOnlyList<ExportedSpan>> SpansUntilAsync(Func<IReadOnlyList<ExportedSpan>, bool> enough, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var spans = Spans;
            if (enough(spans) || DateTime.UtcNow > deadline) return spans;
            await Task.Delay(100);
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            var input = context.Request.Headers["Content-Encoding"] == "gzip"
                ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                : context.Request.InputStream;
            await input.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                var spans = ReadRequest(body.ToArray());
                lock (_spans) _spans.AddRange(spans);
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { repeated ScopeSpans scope_spans = 2; }  ScopeSpans { repeated Span spans = 2; }
    private static List<ExportedSpan> ReadRequest(byte[] request)
    {
        var spans = new List<ExportedSpan>();
        foreach (var resource in Fields(request).Where(f => f.Number == 1))
        foreach (var scope in Fields(resource.Bytes).Where(f => f.Number == 2))
        foreach (var span in Fields(scope.Bytes).Where(f => f.Number == 2))
            spans.Add(ReadSpan(span.Bytes));
        return spans;
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; fixed64 start_time_unix_nano = 7;
    //        fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; Status status = 15; }
    private static ExportedSpan ReadSpan(byte[] span)
    {
        var fields = Fields(span).ToList();
        byte[] Bytes(int number) => fields.FirstOrDefault(f => f.Number == number).Bytes;
        ulong Fixed(int number) => fields.FirstOrDefault(f => f.Number == number).Value;
        var attributes = fields.Where(f => f.Number == 9).Select(f => ReadAttribute(f.Bytes)).ToDictionary(a => a.Key, a => a.Value);
        // Status { string message = 2; StatusCode code = 3; }
        var status = Fields(Bytes(15)).ToList();
        return new ExportedSpan(
            Convert.ToHexStringLower(Bytes(1)), Convert.ToHexStringLower(Bytes(2)), Convert.ToHexStringLower(Bytes(4)),
            Encoding.UTF8.GetString(Bytes(5)), Fixed(7), Fixed(8), attributes,
            (int)status.FirstOrDefault(f => f.Number == 3).Value, Encoding.UTF8.GetString(status.FirstOrDefault(f => f.Number == 2).Bytes));
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
    private static KeyValuePair<string, string> ReadAttribute(byte[] keyValue)
    {
        var fields = Fields(keyValue).ToList();
        var key = Encoding.UTF8.GetString(fields.First(f => f.Number == 1).Bytes);
        var value = Fields(fields.FirstOrDefault(f => f.Number == 2).Bytes).FirstOrDefault();
        var text = value.Number switch
        {
            1 => Encoding.UTF8.GetString(value.Bytes),
            2 => (value.Value != 0).ToString(),
            3 => ((long)value.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            4 => BitConverter.UInt64BitsToDouble(value.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
        return new(key, text);
    }

    /// <summary>A field; <see cref="Bytes"/> is empty for one that is absent or not length-delimited.</summary>
    private readonly record struct Field(int Number, ulong Value, byte[]? Content)
    {
        public byte[] Bytes => Content ?? [];
    }

    /// <summary>The fields of one protobuf message: varints and fixed numbers as values, length-delimited ones as bytes.</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    yield return new Field(number, Varint(message, ref position), null);
                    break;
                case 1:
                    yield return new Field(number, BitConverter.ToUInt64(message, position), null);
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, 0, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return new Field(number, BitConverter.ToUInt32(message, position), null);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {tag & 7} is not one OTLP uses");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
