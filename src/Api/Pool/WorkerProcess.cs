using System.Diagnostics;
using JobService.Workers.Protocol;

namespace JobService.Api.Pool;

/// <summary>
/// Owns one worker process: starts it, pumps its stderr into the log, exposes its frame streams,
/// knows how and why it ended, and kills its whole tree on dispose.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StderrTail _stderr = new();
    private readonly Task _stderrPump;
    private readonly ILogger _log;
    private int _killed;

    private WorkerProcess(Process process, int resultBlockBytes, ILogger log)
    {
        _process = process;
        _log = log;
        Pid = process.Id;
        Input = process.StandardInput.BaseStream;
        Output = new FrameReader(process.StandardOutput.BaseStream, resultBlockBytes);
        _stderrPump = PumpStderrAsync();
    }

    public int Pid { get; }

    /// <summary>Frames to the worker.</summary>
    public Stream Input { get; }

    /// <summary>Frames from the worker; only the current lease holder reads them.</summary>
    public FrameReader Output { get; }

    /// <summary>Items this process has been given, for recycling after <c>MaxTasksPerChild</c>.</summary>
    public int TasksRun { get; set; }

    public bool IsUsable => Volatile.Read(ref _killed) == 0 && !_process.HasExited;

    /// <param name="resultBlockBytes">See <see cref="WorkerLauncher.ResultBlockBytes"/>.</param>
    public static async Task<WorkerProcess> StartAsync(ProcessStartInfo info, int resultBlockBytes, TimeSpan helloTimeout, ILogger log, CancellationToken cancellationToken)
    {
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new WorkerStartException("the worker process did not start");
        }
        catch (Exception e) when (e is not WorkerStartException)
        {
            throw new WorkerStartException($"cannot start '{info.FileName} {string.Join(' ', info.ArgumentList)}': {e.Message}");
        }
        var worker = new WorkerProcess(process, resultBlockBytes, log);
        string failure;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(helloTimeout);
            var frame = await worker.Output.ReadAsync(timeout.Token);
            var version = frame is { Kind: FrameKind.Hello } hello ? HelloFrame.Decode(hello.Payload.Span).ProtocolVersion : -1;
            if (version == FrameFormat.ProtocolVersion) return worker;
            failure = frame is null ? "ended before its hello"
                : version < 0 ? $"sent a {frame.Value.Kind} frame before its hello"
                : $"speaks protocol {version}, this node {FrameFormat.ProtocolVersion}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"did not say hello within {helloTimeout.TotalSeconds:0}s";
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync();
            throw;
        }
        catch (Exception e) when (e is ProtocolException or IOException)
        {
            failure = $"wrote something that is not a hello ({e.Message})";
        }
        worker.Kill();
        var end = await worker.DescribeEndAsync();
        await worker.DisposeAsync();
        throw new WorkerStartException($"worker {worker.Pid} ({info.FileName} {string.Join(' ', info.ArgumentList)}) {failure}: {end}");
    }

    /// <summary>Kills the process tree at once; safe to call from any thread, any number of times.</summary>
    public void Kill()
    {
        Interlocked.Exchange(ref _killed, 1);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception) when (HasExitedSafe())
        {
            // Already gone: nothing to kill.
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to kill.
        }
    }

    /// <summary>Why the process ended (waiting briefly for the exit to be reaped), with its last stderr lines.</summary>
    public async Task<string> DescribeEndAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            return "closed its output but " + WorkerExit.Describe(null);
        }
        var tail = _stderr.Text();
        return WorkerExit.Describe(_process.ExitCode) + (tail.Length > 0 ? $"; last stderr lines:\n{tail}" : "");
    }

    public async ValueTask DisposeAsync()
    {
        // A worker ends by itself when its stdin closes; the kill is for one that is stuck.
        try
        {
            Input.Close();
        }
        catch (IOException)
        {
            // Broken pipe: the worker is already gone.
        }
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }
        await _process.WaitForExitAsync();
        await _stderrPump;
        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        // Whatever span started this worker is not the trace of the lines it will print, for any job.
        Activity.Current = null;
        // Drained concurrently with stdout, so a worker flooding stderr can never block on a full pipe.
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                if (!OutputLabel.TryParse(line, out var futureId, out var traceId, out var text))
                {
                    _stderr.Add(line);
                    _log.LogInformation("Worker {WorkerPid} stderr: {Line}", Pid, line);
                    continue;
                }
                // Printed by a function while an item ran: the log event names the item, as the worker labelled it.
                _stderr.Add(text);
                var item = new Dictionary<string, object> { ["JobId"] = futureId[..Math.Max(0, futureId.LastIndexOf('.'))], ["FutureId"] = futureId };
                if (traceId.Length > 0) item["TraceId"] = traceId;
                using (_log.BeginScope(item)) _log.LogInformation("Worker {WorkerPid} stderr: {Line}", Pid, text);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process is gone; its stderr with it.
        }
    }

    private bool HasExitedSafe()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
