using JobService.Workers.Functions;

namespace JobService.Api.Functions;

/// <summary>Loads the function catalog at start-up, before any worker is spawned: a plugin that does not load stops the node with the reason.</summary>
internal sealed class CatalogLoader(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<FunctionCatalog>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
