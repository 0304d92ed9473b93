using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace JobService.Workers.Functions;

/// <summary>Binds one JSON value to one parameter, with a message that names the parameter when it does not fit.</summary>
internal static class ArgumentBinder
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static object? Read(ref Utf8JsonReader reader, ReadOnlyMemory<byte> source, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(RawJson))
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return new RawJson(source[start..(int)reader.BytesConsumed]);
        }
        var underlying = Nullable.GetUnderlyingType(type);
        if (reader.TokenType == JsonTokenType.Null && (underlying is not null || !type.IsValueType)) return null;
        type = underlying ?? type;

        if (type == typeof(int) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i)) return i;
        if (type == typeof(long) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var l)) return l;
        if (type == typeof(double) && reader.TokenType == JsonTokenType.Number) return reader.GetDouble();
        if (type == typeof(string) && reader.TokenType == JsonTokenType.String) return reader.GetString();
        if (type == typeof(bool) && reader.TokenType is JsonTokenType.True or JsonTokenType.False) return reader.GetBoolean();
        if (type == typeof(JsonElement)) return JsonElement.ParseValue(ref reader);
        if (type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(string) || type == typeof(bool))
            throw Mismatch(ref reader, parameter);

        try
        {
            return JsonSerializer.Deserialize(ref reader, type, Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentBindingException(
                $"argument '{parameter.Name}' must be {JsonTypeNames.Of(type)} ({type.Name}): {e.Message}");
        }
    }

    private static ArgumentBindingException Mismatch(ref Utf8JsonReader reader, ParameterInfo parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return new ArgumentBindingException(
            $"argument '{parameter.Name}' must be {JsonTypeNames.Of(type)} ({type.Name}), got {Describe(ref reader)}");
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"string \"{Truncate(reader.GetString() ?? "")}\"",
        JsonTokenType.Number => $"number {Truncate(Encoding.UTF8.GetString(reader.ValueSpan))}",
        JsonTokenType.True or JsonTokenType.False => $"boolean {reader.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant()}",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        var other => other.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
