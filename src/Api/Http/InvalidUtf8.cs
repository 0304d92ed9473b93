using System.Text;
using System.Text.Json;

namespace JobService.Api.Http;

/// <summary>Finds where a body stops being UTF-8, and the JSON field that holds that byte (slow path: invalid bodies only).</summary>
internal static class InvalidUtf8
{
    public static (string Field, int Offset) Locate(ReadOnlySpan<byte> body)
    {
        var offset = FirstInvalidByte(body);
        return (FieldAt(body, offset), offset);
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return offset;
    }

    /// <summary>The path of the value or name that contains <paramref name="offset"/>, e.g. <c>calls[1].function</c>; "$" when none does.</summary>
    private static string FieldAt(ReadOnlySpan<byte> body, int offset)
    {
        var path = new List<(string? Name, int Index)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                var contains = reader.TokenStartIndex <= offset && offset < reader.BytesConsumed;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        // A name that is not UTF-8 cannot be quoted: the object that holds it is the field.
                        if (contains) return Format(path[..^1]);
                        path[^1] = (reader.GetString(), -1);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        continue;
                }
                if (path.Count > 0 && path[^1].Name is null) path[^1] = (null, path[^1].Index + 1);
                if (contains) return Format(path);
                if (reader.TokenType is JsonTokenType.StartObject) path.Add((string.Empty, -1));
                else if (reader.TokenType is JsonTokenType.StartArray) path.Add((null, -1));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON up to that byte: the body as a whole is the field.
        }
        return "$";
    }

    private static string Format(List<(string? Name, int Index)> path)
    {
        var text = new StringBuilder();
        foreach (var (name, index) in path)
        {
            if (name is null) text.Append('[').Append(index).Append(']');
            else if (name.Length > 0) text.Append(text.Length > 0 ? "." : "").Append(Echo.Of(name));
        }
        return text.Length > 0 ? text.ToString() : "$";
    }
}
