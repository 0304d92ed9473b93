namespace JobService.Workers.Functions;

/// <summary>Names .NET types by the JSON a client must send for them.</summary>
public static class JsonTypeNames
{
    public static string Of(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(void)) return "null";
        if (type == typeof(bool)) return "boolean";
        if (type == typeof(string) || type == typeof(char)) return "string";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(System.Numerics.BigInteger)) return "integer";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "number";
        if (type.IsArray || (type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
            && !typeof(System.Collections.IDictionary).IsAssignableFrom(type))) return "array";
        if (type == typeof(System.Text.Json.JsonElement) || type == typeof(object)) return "any";
        return "object";
    }
}
