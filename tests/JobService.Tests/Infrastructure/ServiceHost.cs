using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace JobService.Tests.Infrastructure;

/// <summary>
/// The real service, as a user runs it: <c>dotnet JobService.Api.dll</c> in its own process on a
/// loopback port, spawning real worker processes. Tests talk to it over HTTP only.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Task _pumps;

    private ServiceHost(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public HttpClient Client { get; }

    /// <summary>Another client of this node, sending <paramref name="apiKey"/> as a bearer token (or nothing).</summary>
    public HttpClient ClientWith(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = Client.BaseAddress, Timeout = Client.Timeout };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }
    public Process Process => _process;

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Starts a node with <paramref name="workers"/> workers, fault injection on, plus any settings (Section:Key = value).</summary>
    public static async Task<ServiceHost> StartAsync(int workers = 2, IReadOnlyDictionary<string, string>? settings = null, bool waitUntilReady = true)
    {
        var port = ProcessTable.FreeLoopbackPort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "JobService.Api.dll"));
        var all = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["contentRoot"] = AppContext.BaseDirectory,
            ["Workers:Count"] = workers.ToString(),
            ["Functions:EnableFaultInjection"] = "true",
            ["Serilog:MinimumLevel:Default"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        foreach (var (key, value) in all) info.ArgumentList.Add($"--{key}={value}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var host = new ServiceHost(Process.Start(info)!, port);
        await host.WaitUntilHealthAsync(TimeSpan.FromSeconds(60), ready: waitUntilReady);
        return host;
    }

    /// <summary>The settings of a node on the PostgreSQL provider; a short lease, so a dead node's units are taken over within seconds.</summary>
    public static Dictionary<string, string> PostgresSettings(string connectionString) => new()
    {
        ["Storage:Provider"] = "PostgreSql",
        ["ConnectionStrings:Postgres"] = connectionString,
        ["Storage:Lease"] = "00:00:03",
    };

    /// <summary>
    /// Waits until GET /health says Healthy: every worker up, storage answering (or, with <paramref name="ready"/> false,
    /// until /health/live answers at all).
    /// </summary>
    public async Task WaitUntilHealthAsync(TimeSpan timeout, bool ready = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Let the pumps drain what the process wrote before it died: that is the reason.
                await _pumps.WaitAsync(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException($"the service exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                if (!ready)
                {
                    using var live = await Client.GetAsync("/health/live");
                    if (live.StatusCode == HttpStatusCode.OK) return;
                }
                else if (await HealthStatusAsync() == "Healthy") return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the service was not ready within {timeout}:\n{Log}");
    }

    /// <summary>The <c>status</c> of GET /health: Healthy, Degraded or Unhealthy.</summary>
    private async Task<string?> HealthStatusAsync()
    {
        using var response = await Client.GetAsync("/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("status").GetString();
    }

    /// <summary>The worker processes this node has spawned and not yet reaped.</summary>
    public IReadOnlyList<int> WorkerPids => ProcessTable.ChildrenOf(_process.Id);

    /// <summary>Ctrl-C / SIGTERM: the graceful stop a container runtime sends.</summary>
    public void Terminate() => ProcessTable.Signal(_process.Id, 15);

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.ExitsWithinAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        await _pumps;
        Client.Dispose();
        _process.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_log) _log.AppendLine(line);
    }

}
