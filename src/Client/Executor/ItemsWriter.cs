using System.Buffers;
using System.Collections;
using System.Text.Json;

namespace JobService.Client.Executor;

/// <summary>
/// The body of a map, written once into one buffer: <c>{"type":"map","function":…,"chunksize":…,"items":[…]}</c>. Integers,
/// doubles and strings are written straight to the writer (a million of them in a few milliseconds, no boxing); anything
/// else goes through the serializer with the wire's options. An array item is spread over a function of several parameters.
/// </summary>
internal static class ItemsWriter
{
    public static ReadOnlyMemory<byte> MapBody(string function, IEnumerable items, int? chunksize, TimeSpan? itemTimeout)
    {
        var buffer = new ArrayBufferWriter<byte>(items is ICollection c ? 64 + c.Count * 8 : 64 * 1024);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartObject();
        json.WriteString("type"u8, "map"u8);
        json.WriteString("function"u8, function);
        if (chunksize is { } size) json.WriteNumber("chunksize"u8, size);
        if (itemTimeout is { } timeout) json.WriteNumber("timeoutSeconds"u8, timeout.TotalSeconds);
        json.WriteStartArray("items"u8);
        switch (items)
        {
            case IEnumerable<int> ints:
                foreach (var item in ints) json.WriteNumberValue(item);
                break;
            case IEnumerable<long> longs:
                foreach (var item in longs) json.WriteNumberValue(item);
                break;
            case IEnumerable<double> doubles:
                foreach (var item in doubles) json.WriteNumberValue(item);
                break;
            case IEnumerable<string> strings:
                foreach (var item in strings) json.WriteStringValue(item);
                break;
            default:
                foreach (var item in items)
                    if (item is null) json.WriteNullValue();
                    else JsonSerializer.Serialize(json, item, item.GetType(), WireJson.Options);
                break;
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>Arguments as the JSON values a submit carries.</summary>
    public static JsonElement[] Arguments(IReadOnlyList<object?> args)
    {
        var elements = new JsonElement[args.Count];
        for (var i = 0; i < args.Count; i++)
            elements[i] = JsonSerializer.SerializeToElement(args[i], args[i]?.GetType() ?? typeof(object), WireJson.Options);
        return elements;
    }
}
