using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace JobService.Api.Http;

public static class ApiDocs
{
    /// <summary>OpenAPI from the endpoints' typed results and XML comments, with request examples for POST /jobs.</summary>
    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "JobService",
                Version = "v1",
                Description = "concurrent.futures as an HTTP service: map and submit jobs run in worker processes; poll, wait on or cancel their futures.",
                Contact = new OpenApiContact { Name = "JobService maintainers" },
            });
            swagger.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "JobService.Api.xml"));
            swagger.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "JobService.Contracts.xml"));
            swagger.SupportNonNullableReferenceTypes();
            swagger.NonNullableReferenceTypesAsRequired();
            // A nullable object or enum field is {allOf: [$ref], nullable: true}: next to a bare $ref, OpenAPI 3.0 ignores "nullable".
            swagger.UseAllOfToExtendReferenceSchemas();
            swagger.OperationFilter<RequestExamples>();
            swagger.OperationFilter<ApiConventions>();
            swagger.OperationFilter<Jobs.ResultsDocs>();
            swagger.DocumentFilter<ApiConventions>();
            swagger.SchemaFilter<ApiConventions>();
        });
        // The schemas follow the JSON the endpoints write (string enums, camelCase), not MVC's defaults.
        builder.Services.AddTransient<ISerializerDataContractResolver>(services => new JsonSerializerDataContractResolver(
            services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions));
        return builder;
    }

    public static WebApplication UseApiDocs(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(ui => ui.DocumentTitle = "JobService API");
        return app;
    }

    /// <summary>The tutorial's requests, ready to try from Swagger UI.</summary>
    private sealed class RequestExamples : IOperationFilter
    {
        private static readonly Dictionary<string, Dictionary<string, (string Summary, string Json)>> Examples = new()
        {
            ["CreateJob"] = new()
            {
                ["map"] = ("map fib over 15..31 (tutorial §1)",
                    """{"type":"map","function":"fib","items":[15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]}"""),
                ["submit"] = ("submit one call", """{"type":"submit","function":"fib_checked","args":[31]}"""),
                ["calls"] = ("submit several calls of different functions",
                    """{"type":"submit","calls":[{"function":"fib","args":[30]},{"function":"sleep","args":[0.5]}]}"""),
                ["chunked"] = ("power_sum over many items with an explicit chunksize and limits (tutorial §3)",
                    """{"type":"map","function":"power_sum","items":[1,2,3,4,5,6,7,8],"chunksize":2,"timeoutSeconds":10,"retries":1,"queue":"default"}"""),
            },
            ["WaitFutures"] = new()
            {
                ["first"] = ("wait for the first of two futures",
                    """{"futureIds":["0123456789abcdef01234567.0","0123456789abcdef01234567.1"],"returnWhen":"FIRST_COMPLETED","timeoutSeconds":10}"""),
            },
        };

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.OperationId is not { } id || !Examples.TryGetValue(id, out var examples)) return;
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) != true || media is null) return;
            media.Examples = examples.ToDictionary(
                e => e.Key,
                e => (IOpenApiExample)new OpenApiExample { Summary = e.Value.Summary, Value = JsonNode.Parse(e.Value.Json) });
        }
    }
}
