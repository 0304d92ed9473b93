using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using JobService.Api.Storage;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace JobService.Api.Http;

/// <summary>
/// What the endpoints' signatures cannot tell Swashbuckle: the query values (parsed by hand, so that a bad one gets a
/// 400 naming it) with their types and defaults, the answers every endpoint may give (401, 429, 404 for an ID), the
/// 202's <c>Location</c>, the API-key schemes, and a description per tag.
/// </summary>
internal sealed class ApiConventions : IOperationFilter, IDocumentFilter, ISchemaFilter
{
    // The CLR types the handlers parse each value to; the enums are the wire's own, so that a generated client has one
    // type for a query value and for the field it comes back in.
    private static readonly Dictionary<string, (Type Type, string Description)> Query = new()
    {
        ["wait"] = (typeof(double), "seconds to long-poll for a terminal state (0 to Jobs:MaxWaitSeconds, default 0)"),
        ["force"] = (typeof(bool), "also cancel running futures, killing their workers (default false)"),
        ["offset"] = (typeof(int), "the first item (order=submitted) or the first of the completion order (default 0)"),
        ["limit"] = (typeof(int), "how many to list at most"),
        ["order"] = (typeof(ResultOrder), "item order (Pool.map) or completion order (as_completed); default submitted"),
        ["shape"] = (typeof(Jobs.ResultShape),
            "full: {index, state, result|error} per item; compact: bare values in item order with the other items beside; ndjson: a line per item"),
        ["lastEventId"] = (typeof(int),
            "resume after this event ID (the futures after the n-th to end); for clients that cannot send the Last-Event-ID header, which wins"),
        ["state"] = (typeof(JobState), "only jobs in this state"),
    };

    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Jobs"] = "Start map and submit jobs, read their state and results, cancel them",
        ["Futures"] = "One future per item: read, long-poll, wait on many, cancel",
        ["Functions"] = "The functions workers can run",
        ["Health"] = "Liveness and readiness of this node",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is not OpenApiParameter { In: ParameterLocation.Query } query || !Query.TryGetValue(query.Name!, out var known)) continue;
            query.Description = known.Description;
            query.Schema = context.SchemaGenerator.GenerateSchema(known.Type, context.SchemaRepository);
        }
        var path = context.ApiDescription.RelativePath ?? "";
        if (path.EndsWith("/events", StringComparison.Ordinal))
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Last-Event-ID", In = ParameterLocation.Header,
                Description = "the id of the last event received: the stream resumes with the futures after it (EventSource sends it on reconnect)",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
            });
            operation.Responses ??= [];
            // The stream is text, not a JSON body: its events are described here and in the README ("Events").
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = "A text/event-stream: `id: n`, `event: future`, `data: {futureId, index, state, result|error}` per future as it " +
                    "ends; `event: end`, `data:` the job (as GET /jobs/{jobId}), then the stream closes; `: ping` comments while quiet",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
        }
        operation.Responses ??= [];
        if (path.Contains('{')) AddProblem(operation, context, "404", "No such job or future (unknown, expired, or another key's)");
        if (!path.StartsWith("health", StringComparison.Ordinal))
        {
            AddProblem(operation, context, "401", "An API key is required (when the service has keys) and was missing or wrong");
            AddProblem(operation, context, "429", "Over Limits:RequestsPerSecond; retry after the Retry-After header's seconds");
        }
        if (operation.RequestBody is not null)
            AddProblem(operation, context, "415", "The body is not application/json");
        if (operation.Responses.TryGetValue("202", out var accepted) && accepted is OpenApiResponse created)
        {
            created.Headers ??= new Dictionary<string, IOpenApiHeader>();
            created.Headers["Location"] = new OpenApiHeader
            {
                Description = "/jobs/{jobId}, the new job",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
    }

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        // Relative: the document describes whichever node serves it.
        document.Servers = [new OpenApiServer { Url = "/", Description = "this node" }];
        document.Tags = Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }).ToHashSet();
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "Authorization: Bearer <API key> (Auth:Keys)",
        };
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "X-Api-Key: <API key> (Auth:Keys)",
        };
        // Either scheme; and none at all while the service has no keys.
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
            new OpenApiSecurityRequirement(),
        ];
    }

    /// <summary>
    /// A field with a <see cref="DefaultValueAttribute"/> is documented as that default, not as nullable: a null there means
    /// the same as leaving it out, which a client need not know. It also keeps "nullable" off a bare allOf of an enum, which
    /// the validators of request examples refuse without a "type" (and a "type" beside the allOf would make NSwag copy the enum).
    /// </summary>
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema.Properties is null) return;
        foreach (var property in context.Type.GetProperties())
        {
            if (property.GetCustomAttribute<DefaultValueAttribute>() is null) continue;
            if (!schema.Properties.TryGetValue(JsonNamingPolicy.CamelCase.ConvertName(property.Name), out var found) || found is not OpenApiSchema field) continue;
            var type = field.Type & ~JsonSchemaType.Null;
            field.Type = type == 0 ? null : type;
        }
    }

    private static void AddProblem(OpenApiOperation operation, OperationFilterContext context, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status)) return;
        var schema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository);
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
        };
    }
}
