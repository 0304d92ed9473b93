using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using JobService.Workers.Functions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace JobService.Api.Http;

/// <summary>Reads a small JSON body into a record; every problem is a 400 naming the field in the client's terms.</summary>
internal static class JsonBody
{
    public static async Task<(T? Value, BodyProblem? Problem)> ReadAsync<T>(HttpRequest request, int maxMegabytes, CancellationToken cancellationToken) where T : class
    {
        var services = request.HttpContext.RequestServices;
        var body = await services.GetRequiredService<RequestBody>().ReadAsync(request, maxMegabytes * 1024L * 1024,
            $"this body may be at most {maxMegabytes} MB", ReadOnlyMemory<byte>.Empty, cancellationToken);
        if (body.Problem is not null) return (null, body.Problem);
        var options = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = JsonSerializer.Deserialize<T>(body.Span, options);
            return value is null ? (null, BodyProblem.Invalid("$", "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Describe<T>(e));
        }
    }

    /// <summary>
    /// The parser's own message says where the JSON breaks; a value of the wrong type gets ours instead,
    /// since the serializer's names .NET types ("could not be converted to System.Int32").
    /// </summary>
    private static BodyProblem Describe<T>(JsonException e)
    {
        if (e.InnerException is JsonException syntax) return BodyProblem.Invalid("$", $"the body is not valid JSON: {syntax.Message}");
        var name = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal)
            ? path[2..].Split('.', '[')[0]
            : null;
        var property = name is null ? null : typeof(T).GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (name is not null && property is null)
            return BodyProblem.Invalid(Echo.Of(name), $"unknown field '{Echo.Of(name)}'; this body has: {Fields<T>()}");
        return property is null
            ? BodyProblem.Invalid("$", "the body must be a JSON object with the documented fields")
            : BodyProblem.Invalid(name!, $"{name} must be {Expected(property.PropertyType)}");
    }

    private static string Fields<T>() =>
        string.Join(", ", typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)));

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
            return "one of " + string.Join(", ", type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(f.Name)));
        if (type.IsArray) return $"an array of {JsonTypeNames.Of(type.GetElementType()!)} values";
        return $"a JSON {JsonTypeNames.Of(type)}";
    }
}
