using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace JobService.Api.Jobs;

/// <summary>
/// The 200 of <c>GET /jobs/{id}/results</c>, which <see cref="ResultsStream"/> writes by hand: a <see cref="ResultsPage"/>
/// (the default, full shape) or a <see cref="CompactResults"/> (shape=compact) as <c>application/json</c>, one
/// <see cref="ResultLine"/> per line as <c>application/x-ndjson</c>. OpenAPI 3.0 cannot tie a schema to a query value,
/// so <c>application/json</c> names the default shape, the one a generated client reads, and links the compact one.
/// </summary>
internal sealed class ResultsDocs : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId != "GetJobResults") return;
        OpenApiMediaType Of<T>() => new() { Schema = context.SchemaGenerator.GenerateSchema(typeof(T), context.SchemaRepository) };
        var json = Of<ResultsPage>();
        // OpenAPI 3.0 has no place for "this schema when shape=compact": an extension names it, so that it is in the document.
        json.Extensions = new Dictionary<string, IOpenApiExtension>
        {
            ["x-shape-compact"] = new JsonNodeExtension(new JsonObject { ["$ref"] = "#/components/schemas/" + Id<CompactResults>(context) }),
        };
        operation.Responses ??= [];
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = "The results, streamed: a ResultsPage (shape=full, the default) or, with shape=compact, a CompactResults " +
                "as application/json; one ResultLine per line as application/x-ndjson (shape=ndjson or Accept: application/x-ndjson)",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = json,
                [ResultsStream.NdjsonType] = Of<ResultLine>(),
            },
        };
    }

    private static string Id<T>(OperationFilterContext context) =>
        ((OpenApiSchemaReference)context.SchemaGenerator.GenerateSchema(typeof(T), context.SchemaRepository)).Reference.Id!;
}
