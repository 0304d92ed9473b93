using System.Diagnostics.Metrics;
using JobService.Api.Functions;
using JobService.Api.Pool;
using JobService.Api.Scheduling;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JobService.Tests.Storage;

/// <summary>A unit runner on a store, with one real worker process: to hand it claims no HTTP request can make.</summary>
public sealed class RunnerNode : IAsyncDisposable
{
    private readonly WorkerPool _pool;

    private static readonly JobMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    private RunnerNode(IJobStore store, WorkerPool pool)
    {
        _pool = pool;
        var storage = Options.Create(new StorageOptions());
        Runner = new UnitRunner(store, pool, new FunctionTimings(), new CancelSignals(), Options.Create(new WorkerPoolOptions { Count = 1 }),
            storage, Options.Create(new JobsOptions()), new JobLifecycle(store, Metrics, TimeProvider.System, NullLogger<JobLifecycle>.Instance),
            NullLogger<UnitRunner>.Instance);
    }

    public UnitRunner Runner { get; }

    public static async Task<RunnerNode> StartAsync(IJobStore store)
    {
        var options = Options.Create(new WorkerPoolOptions { Count = 1 });
        var pool = new WorkerPool(options, new WorkerLauncher(options, Options.Create(new FunctionsOptions()), Options.Create(new StorageOptions())), Metrics, NullLogger<WorkerPool>.Instance);
        await pool.StartAsync(default);
        return new RunnerNode(store, pool);
    }

    /// <summary>Runs the claim on the node's worker, as a drainer does.</summary>
    public async Task RunAsync(UnitClaim claim) => await await Runner.RunAsync(claim, await _pool.LeaseAsync(default), new UnitTally(), default);

    public async ValueTask DisposeAsync() => await _pool.StopAsync(default);
}
