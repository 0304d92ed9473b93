using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace JobService.Bench.Service;

/// <summary>
/// The service under test: <c>dotnet JobService.Api.dll</c> from the Release build, in its own process on a
/// loopback port, with its own worker processes. This object starts it, keeps the tail of its log and stops it.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private const int LogLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly Task _pumps;

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public Uri BaseAddress { get; }
    public int Pid => _process.Id;

    public string LogTail
    {
        get
        {
            lock (_log) return string.Join('\n', _log);
        }
    }

    /// <summary>
    /// Starts a node with <paramref name="workers"/> worker processes; <paramref name="settings"/> (Section:Key = value) come
    /// after the bench's own, so they win: e.g. <c>Storage:Provider=PostgreSql</c> and <c>ConnectionStrings:Postgres</c>.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string binDirectory, int workers, TimeSpan retention, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? settings = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(binDirectory, "JobService.Api.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"no Release build of the service: run `dotnet build -c Release src/Api/JobService.Api.csproj`", dll);
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = binDirectory,
        };
        foreach (var arg in new[]
        {
            dll,
            "--urls", $"http://127.0.0.1:{port}",
            $"--Workers:Count={workers}",
            $"--Jobs:Retention={retention:c}",
            "--Serilog:MinimumLevel:Default=Warning",
        })
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.ArgumentList.Add($"--{key}={value}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        var service = new ServiceProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet"), new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await service.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the service exited with code {_process.ExitCode}:\n{LogTail}");
            try
            {
                // Healthy, not merely ready: a benchmark measured with a worker missing would measure the wrong pool.
                using var response = await client.GetAsync("/health", cancellationToken);
                using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                if (health.RootElement.GetProperty("status").GetString() == "Healthy") return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"GET /health did not say Healthy within {timeout}:\n{LogTail}");
    }

    /// <summary>SIGTERM, as a container runtime stops it; the tree is killed if it does not stop in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) when (_process.HasExited) { }
            }
        }
        await _process.WaitForExitAsync();
        await _pumps;
        _process.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_log)
            {
                _log.Enqueue(line);
                if (_log.Count > LogLines) _log.Dequeue();
            }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
