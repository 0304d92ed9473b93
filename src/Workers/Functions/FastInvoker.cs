using System.Reflection;
using System.Text.Json;

namespace JobService.Workers.Functions;

/// <summary>
/// Calls a one-parameter function whose argument and result are plain JSON types (int, long,
/// double, bool, string, <see cref="RawJson"/>) through a typed delegate: no reflection, no boxing,
/// no argument array. This is a map's hot path; measured on a million echo items, the reflective
/// call cost more than everything else the worker does per item. Anything else takes the general path.
/// </summary>
internal abstract class FastInvoker
{
    /// <summary>False when the JSON does not fit the parameter: the general path then explains why.</summary>
    public abstract bool TryInvoke(ReadOnlyMemory<byte> argument, Utf8JsonWriter result);

    public static FastInvoker? For(MethodInfo method, string name)
    {
        var parameters = method.GetParameters();
        if (parameters.Length != 1 || !JsonValue.IsPlain(parameters[0].ParameterType) || !JsonValue.IsPlain(method.ReturnType)) return null;
        var type = typeof(Typed<,>).MakeGenericType(parameters[0].ParameterType, method.ReturnType);
        return (FastInvoker)Activator.CreateInstance(type, method, name)!;
    }

    private sealed class Typed<T, TResult>(MethodInfo method, string name) : FastInvoker
    {
        private readonly Func<T, TResult> _call = method.CreateDelegate<Func<T, TResult>>();

        public override bool TryInvoke(ReadOnlyMemory<byte> argument, Utf8JsonWriter result)
        {
            if (!JsonValue.TryRead(argument, out T value)) return false;
            var returned = _call(value);
            try
            {
                JsonValue.Write(result, returned);
            }
            catch (Exception e) when (ResultSerializationException.IsWriteFailure(e))
            {
                throw ResultSerializationException.For(name, e);
            }
            return true;
        }
    }
}

/// <summary>Reads and writes the plain JSON types without the serializer; the type tests fold away per T when jitted.</summary>
internal static class JsonValue
{
    public static bool IsPlain(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(bool) || type == typeof(string) || type == typeof(RawJson);

    public static bool TryRead<T>(ReadOnlyMemory<byte> json, out T value)
    {
        value = default!;
        if (typeof(T) == typeof(RawJson))
        {
            value = (T)(object)new RawJson(json);
            return true;
        }
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read()) return false;
        if (typeof(T) == typeof(int) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i)) value = (T)(object)i;
        else if (typeof(T) == typeof(long) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var l)) value = (T)(object)l;
        else if (typeof(T) == typeof(double) && reader.TokenType == JsonTokenType.Number) value = (T)(object)reader.GetDouble();
        else if (typeof(T) == typeof(bool) && reader.TokenType is JsonTokenType.True or JsonTokenType.False) value = (T)(object)reader.GetBoolean();
        else if (typeof(T) == typeof(string) && reader.TokenType == JsonTokenType.String) value = (T)(object)reader.GetString()!;
        else return false;
        return true;
    }

    public static void Write<T>(Utf8JsonWriter writer, T value)
    {
        if (typeof(T) == typeof(RawJson)) writer.WriteRawValue(((RawJson)(object)value!).Utf8.Span, skipInputValidation: true);
        else if (typeof(T) == typeof(int)) writer.WriteNumberValue((int)(object)value!);
        else if (typeof(T) == typeof(long)) writer.WriteNumberValue((long)(object)value!);
        else if (typeof(T) == typeof(double)) writer.WriteNumberValue((double)(object)value!);
        else if (typeof(T) == typeof(bool)) writer.WriteBooleanValue((bool)(object)value!);
        else if (value is string s) writer.WriteStringValue(s);
        else writer.WriteNullValue();
    }
}
