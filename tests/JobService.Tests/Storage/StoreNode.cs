using JobService.Api.Storage;
using JobService.Api.Storage.InMemory;
using JobService.Api.Storage.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobService.Tests.Storage;

/// <summary>A job store with what a node gives it (options, notifications), without HTTP or workers.</summary>
public sealed class StoreNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hosted;

    private StoreNode(ServiceProvider services, IHostedService[] hosted)
    {
        _services = services;
        _hosted = hosted;
        Store = services.GetRequiredService<IJobStore>();
    }

    public IJobStore Store { get; }

    public static Task<StoreNode> InMemoryAsync() =>
        StartAsync(new Dictionary<string, string?>(), services => services.AddSingleton<IJobStore, InMemoryJobStore>());

    public static Task<StoreNode> PostgresAsync(string connectionString, TimeSpan lease) =>
        StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:Lease"] = lease.ToString(),
        }, services => services.AddPostgresStorage(connectionString));

    private static async Task<StoreNode> StartAsync(Dictionary<string, string?> settings, Action<IServiceCollection> provider)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(TimeProvider.System)
            .AddSingleton<CancelSignals>();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName));
        services.AddOptions<JobsOptions>();
        provider(services);
        var built = services.BuildServiceProvider();
        var node = new StoreNode(built, built.GetServices<IHostedService>().ToArray());
        foreach (var service in node._hosted) await service.StartAsync(default);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hosted) await service.StopAsync(default);
        await _services.DisposeAsync();
    }
}
