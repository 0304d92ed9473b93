using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace JobService.Api.Health;

/// <summary>The health endpoints in the OpenAPI document: health-check middleware endpoints are invisible to the API explorer.</summary>
internal sealed class HealthDocs : IDocumentFilter
{
    private static readonly (string Path, string Id, string Summary, string Ok, string Unavailable)[] Endpoints =
    [
        ("/health/live", "HealthLive", "Liveness: 200 while the process answers; runs no check",
            "the process answers", "never"),
        ("/health/ready", "HealthReady", "Readiness: 200 while storage answers and at least one worker is up (Healthy or Degraded)",
            "ready (Healthy, or Degraded while a worker is being replaced)", "not ready: no worker is up, or storage is unreachable; reason says which"),
        ("/health", "Health", "The detailed report: every check, workers live/target, storage; Healthy, Degraded or Unhealthy",
            "Healthy or Degraded", "Unhealthy; reason says why"),
    ];

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schema = context.SchemaGenerator.GenerateSchema(typeof(HealthView), context.SchemaRepository);
        document.Paths ??= new OpenApiPaths();
        foreach (var (path, id, summary, ok, unavailable) in Endpoints)
        {
            var responses = new OpenApiResponses { ["200"] = Response(ok, schema) };
            if (path != "/health/live") responses["503"] = Response(unavailable, schema);
            document.Paths[path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        OperationId = id,
                        Summary = summary,
                        Description = $"{summary}. Needs no API key and is never rate limited, so that probes always get an answer.",
                        // Open to probes whatever keys the service has.
                        Security = [],
                        Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                        Responses = responses,
                    },
                },
            };
        }
    }

    private static OpenApiResponse Response(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
    };
}
