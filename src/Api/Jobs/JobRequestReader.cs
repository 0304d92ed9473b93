using System.Text.Json;
using JobService.Api.Http;

namespace JobService.Api.Jobs;

/// <summary>
/// Reads <c>POST /jobs</c> with a forward-only reader: items and arguments are kept as slices
/// of the body (a million-item map is parsed once and never copied), and every problem is
/// reported by its field name. Invalid JSON throws <see cref="JsonException"/>; an escape that is not
/// text (a lone surrogate) throws <see cref="InvalidOperationException"/>.
/// </summary>
internal static class JobRequestReader
{
    private const string Fields = "type, function, items, args, calls, chunksize, timeoutSeconds, retries, queue";

    public static ParsedJob Read(ReadOnlySpan<byte> body, ProblemList problems)
    {
        var job = new ParsedJob();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            problems.Add("$", "the body must be a JSON object such as {\"type\": \"map\", \"function\": \"fib\", \"items\": [15, 16]}");
            return job;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name.ToLowerInvariant())
            {
                case "type": job.Type = ReadString(ref reader, "type", problems); break;
                case "function": job.Function = ReadString(ref reader, "function", problems); break;
                case "items": job.Items = ReadElements(ref reader, "items", problems); break;
                case "args": job.Args = ReadArray(ref reader, "args", problems); break;
                case "calls": job.Calls = ReadCalls(ref reader, problems); break;
                case "chunksize": job.Chunksize = ReadInt(ref reader, "chunksize", problems); break;
                case "timeoutseconds": job.TimeoutSeconds = ReadNumber(ref reader, "timeoutSeconds", problems); break;
                case "retries": job.Retries = ReadInt(ref reader, "retries", problems); break;
                case "queue": job.Queue = ReadString(ref reader, "queue", problems); break;
                default:
                    problems.Add(Echo.Of(name), $"unknown field; a job has: {Fields}");
                    reader.Skip();
                    break;
            }
        }
        // A body is one JSON object: anything after it but whitespace makes the reader throw.
        reader.Read();
        return job;
    }

    private static List<ParsedCall>? ReadCalls(ref Utf8JsonReader reader, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problems.Add("calls", "calls must be an array of {\"function\": name, \"args\": [...]}");
            reader.Skip();
            return null;
        }
        var calls = new List<ParsedCall>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var field = $"calls[{calls.Count}]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problems.Add(field, "each call must be an object {\"function\": name, \"args\": [...]}");
                reader.Skip();
                calls.Add(new ParsedCall(null, null));
                continue;
            }
            string? function = null;
            Slice? args = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                switch (name.ToLowerInvariant())
                {
                    case "function": function = ReadString(ref reader, $"{field}.function", problems); break;
                    case "args": args = ReadArray(ref reader, $"{field}.args", problems); break;
                    default:
                        problems.Add($"{field}.{Echo.Of(name)}", "unknown field; a call has: function, args");
                        reader.Skip();
                        break;
                }
            }
            calls.Add(new ParsedCall(function, args));
        }
        return calls;
    }

    private static SliceList? ReadElements(ref Utf8JsonReader reader, string field, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problems.Add(field, $"{field} must be an array with one element per call");
            reader.Skip();
            return null;
        }
        var elements = new SliceList();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) elements.Add(TakeValue(ref reader));
        return elements;
    }

    private static Slice? ReadArray(ref Utf8JsonReader reader, string field, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problems.Add(field, $"{field} must be an array of the function's arguments, e.g. [30]");
            reader.Skip();
            return null;
        }
        return TakeValue(ref reader);
    }

    /// <summary>The current value, whole, as a slice of the body; the reader ends on its last token.</summary>
    private static Slice TakeValue(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new Slice(start, (int)reader.BytesConsumed - start);
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        if (reader.TokenType != JsonTokenType.Null) problems.Add(field, $"{field} must be a string");
        reader.Skip();
        return null;
    }

    private static int? ReadInt(ref Utf8JsonReader reader, string field, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)) return value;
        if (reader.TokenType != JsonTokenType.Null) problems.Add(field, $"{field} must be an integer or null");
        reader.Skip();
        return null;
    }

    private static double? ReadNumber(ref Utf8JsonReader reader, string field, ProblemList problems)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value)) return value;
        if (reader.TokenType != JsonTokenType.Null) problems.Add(field, $"{field} must be a number of seconds or null");
        reader.Skip();
        return null;
    }
}
