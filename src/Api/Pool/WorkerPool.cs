using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using JobService.Api.Telemetry;

namespace JobService.Api.Pool;

/// <summary>
/// The node's worker processes, like a <c>ProcessPoolExecutor</c> that heals: spawned at start-up,
/// leased one chunk at a time, replaced when they die, misbehave or reach <c>MaxTasksPerChild</c>.
/// </summary>
public sealed partial class WorkerPool(
    IOptions<WorkerPoolOptions> options,
    WorkerLauncher launcher,
    JobMetrics metrics,
    ILogger<WorkerPool> log) : IHostedService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly Channel<WorkerProcess> _idle = Channel.CreateUnbounded<WorkerProcess>();
    private readonly ConcurrentDictionary<int, WorkerProcess> _live = new();
    private readonly ConcurrentDictionary<Task, bool> _background = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _failures;
    private string? _lastFailure;

    public int Target => options.Value.Count;
    public int Live => _live.Count;

    /// <summary>Why the last worker start failed, while no start has succeeded since.</summary>
    public string? LastFailure => Volatile.Read(ref _failures) == 0 ? null : _lastFailure;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.WatchWorkers(() => Live, () => Target);
        for (var i = 0; i < Target; i++) Track(SpawnAsync());
        return Task.CompletedTask;
    }

    /// <summary>Waits for an idle worker; a job waits here, instead of failing, while workers cannot start.</summary>
    public async ValueTask<WorkerLease> LeaseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var worker = await _idle.Reader.ReadAsync(cancellationToken);
            if (worker.IsUsable) return new WorkerLease(this, worker);
            Replace(worker, new WorkerRetirement("exited", "it exited while idle"));
        }
    }

    internal void Return(WorkerProcess worker, WorkerRetirement? retirement)
    {
        var max = options.Value.MaxTasksPerChild;
        retirement ??= !worker.IsUsable ? new WorkerRetirement("exited", "it exited")
            : max > 0 && worker.TasksRun >= max ? new WorkerRetirement("recycled", $"it ran {worker.TasksRun} items (MaxTasksPerChild {max})")
            : null;
        if (retirement is null && !_stopping.IsCancellationRequested && _idle.Writer.TryWrite(worker)) return;
        Replace(worker, retirement ?? new WorkerRetirement("stopping", "the node is stopping"));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _idle.Writer.TryComplete();
        await Task.WhenAll(_background.Keys);
        await Task.WhenAll(_live.Values.Select(w => w.DisposeAsync().AsTask()));
        _live.Clear();
    }

    private void Replace(WorkerProcess worker, WorkerRetirement retirement)
    {
        if (!_live.TryRemove(worker.Pid, out _)) return;
        metrics.WorkerExited(retirement.Cause);
        WorkerReplaced(log, worker.Pid, retirement.Cause, retirement.Reason);
        Track(worker.DisposeAsync().AsTask());
        if (!_stopping.IsCancellationRequested) Track(SpawnAsync());
    }

    private async Task SpawnAsync()
    {
        var settings = options.Value;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var worker = await WorkerProcess.StartAsync(
                    launcher.StartInfo(), launcher.ResultBlockBytes, TimeSpan.FromSeconds(settings.StartTimeoutSeconds), log, _stopping.Token);
                _live[worker.Pid] = worker;
                Interlocked.Exchange(ref _failures, 0);
                WorkerStarted(log, worker.Pid, _live.Count, Target);
                if (!_idle.Writer.TryWrite(worker)) await worker.DisposeAsync();
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever went wrong, the pool keeps trying: a node without workers must not give up on them.
                var failures = Interlocked.Increment(ref _failures);
                // Health shows the first line only: the rest (the worker's stderr) is for the log, not for clients.
                _lastFailure = e.Message.Split('\n')[0];
                // Back off instead of looping: a worker that cannot start will not start faster for being retried hot.
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
                log.LogError("Worker start failed ({Failures} in a row), next try in {Delay}: {Reason}", failures, delay, e.Message);
                try
                {
                    await Task.Delay(delay, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Track(Task task)
    {
        _background[task] = true;
        task.ContinueWith(t => _background.TryRemove(t, out _), TaskScheduler.Default);
    }

    [LoggerMessage(LogLevel.Information, "Worker {WorkerPid} started ({Live}/{Target})")]
    private static partial void WorkerStarted(ILogger log, int workerPid, int live, int target);

    [LoggerMessage(LogLevel.Information, "Worker {WorkerPid} replaced ({Cause}): {Reason}")]
    private static partial void WorkerReplaced(ILogger log, int workerPid, string cause, string reason);
}
