using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace JobService.Client.Results;

/// <summary>Reads one JSON value of type <typeparamref name="T"/> at the reader's position.</summary>
internal delegate T? ValueParser<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo);

/// <summary>
/// Numbers and strings read straight off the reader: a million results of a map are mostly that, and the serializer's
/// per-call set-up costs more than the value itself. Anything else (and a number that does not fit) goes to the serializer.
/// </summary>
internal static class ValueParsers
{
    public static ValueParser<T> For<T>(JsonTypeInfo<T> typeInfo)
    {
        _ = typeInfo;
        object parser = typeof(T) switch
        {
            var t when t == typeof(int) => new ValueParser<int>(static (ref reader, info) =>
                reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) ? v : JsonSerializer.Deserialize(ref reader, info)),
            var t when t == typeof(long) => new ValueParser<long>(static (ref reader, info) =>
                reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v) ? v : JsonSerializer.Deserialize(ref reader, info)),
            var t when t == typeof(double) => new ValueParser<double>(static (ref reader, info) =>
                reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var v) ? v : JsonSerializer.Deserialize(ref reader, info)),
            var t when t == typeof(string) => new ValueParser<string>(static (ref reader, info) =>
                reader.TokenType == JsonTokenType.String ? reader.GetString() : JsonSerializer.Deserialize(ref reader, info)),
            _ => new ValueParser<T>(static (ref reader, info) => JsonSerializer.Deserialize(ref reader, info)),
        };
        return (ValueParser<T>)parser;
    }
}
