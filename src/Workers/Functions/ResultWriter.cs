using System.Text.Json;

namespace JobService.Workers.Functions;

/// <summary>Writes a function's return value as JSON; the common scalar types skip the serializer.</summary>
internal static class ResultWriter
{
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case RawJson raw: writer.WriteRawValue(raw.Utf8.Span, skipInputValidation: true); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case JsonElement e: e.WriteTo(writer); break;
            default: JsonSerializer.Serialize(writer, value, value.GetType(), ArgumentBinder.Json); break;
        }
    }
}
