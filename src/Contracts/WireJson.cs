using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace JobService.Contracts;

/// <summary>
/// The JSON conventions of the wire, in one place for the service and its clients: camelCase (the web defaults),
/// nulls left out, enums as their lowercase names (or the names they carry, as <see cref="ReturnWhen"/>), never numbers.
/// </summary>
public static class WireJson
{
    /// <summary>Options with the wire's conventions, for a client; read-only, with reflection metadata ready for GetTypeInfo.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Adds the wire's conventions to options that start from <see cref="JsonSerializerDefaults.Web"/>.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() });
        options.MakeReadOnly();
        return options;
    }
}
