using JobService.Workers.Functions;
using Microsoft.Extensions.Options;

namespace JobService.Api.Functions;

internal static class FunctionsApi
{
    public static IHostApplicationBuilder AddFunctionCatalog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FunctionsOptions>().BindConfiguration(FunctionsOptions.SectionName);
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<FunctionsOptions>>().Value;
            return FunctionCatalog.Load(options.Plugins, options.EnableFaultInjection);
        });
        // Loaded at start-up, before any worker is spawned: a plugin that does not load stops the node with the reason.
        builder.Services.AddHostedService<CatalogLoader>();
        return builder;
    }

    public static RouteGroupBuilder MapFunctions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/functions").WithTags("Functions");
        group.MapGet("/", (FunctionCatalog catalog) => TypedResults.Ok(catalog.Descriptors.ToArray()))
            .WithName("ListFunctions")
            .WithSummary("The functions jobs may call")
            .WithDescription("Name, parameters (with their JSON types), result type and description of every function in this node's catalog.");
        return group;
    }
}
