using System.Diagnostics;
using JobService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobService.Tests.Clients;

/// <summary>
/// The Python client (clients/python) against a real node: its own unittest suite, then the tutorial's
/// three examples as a user runs them, each a <c>python3</c> process with <c>JOBSERVICE_URL</c> set.
/// </summary>
public sealed class PythonClientTests(ServiceFixture service, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 120_000)]
    public async Task UnittestSuitePassesAgainstALiveNode()
    {
        var run = await RunPythonAsync("-m", "unittest", "discover", "-s", "clients/python/tests", "-t", "clients/python");

        Assert.True(run.ExitCode == 0, $"python3 -m unittest exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("OK", run.Output);
    }

    [Fact(Timeout = 120_000)]
    public async Task MapExamplePrintsEveryFibInOrder()
    {
        var run = await RunPythonAsync("clients/python/examples/map_fib.py");

        Assert.True(run.ExitCode == 0, $"map_fib.py exited with {run.ExitCode}:\n{run.Output}");
        var lines = run.Lines.Where(l => l.StartsWith("fib(", StringComparison.Ordinal)).ToArray();
        Assert.Equal(17, lines.Length);
        Assert.Equal("fib(15) = 610", lines[0]);
        Assert.Equal("fib(30) = 832040", lines[15]);
        Assert.Equal("fib(31) = 1346269", lines[16]);
        Assert.Contains(run.Lines, l => l.StartsWith("COST: ", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task AsCompletedExampleCatchesTheErrorOfFib31AndMapRaisesIt()
    {
        var run = await RunPythonAsync("clients/python/examples/as_completed_fib_checked.py");

        Assert.True(run.ExitCode == 0, $"as_completed_fib_checked.py exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("Raise error: fib must less than 31", run.Lines);
        Assert.Contains("fib(15) = 610", run.Lines);
        Assert.Contains("fib(30) = 832040", run.Lines);
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("fib(31)", StringComparison.Ordinal));
        Assert.Equal(16, run.Lines.Count(l => l.StartsWith("fib(", StringComparison.Ordinal)));
        Assert.Contains("map raised Exception: fib must less than 31", run.Lines);
    }

    [Fact(Timeout = 120_000)]
    public async Task PowerSumExampleCollectsAllItemsWithEitherChunksize()
    {
        var run = await RunPythonAsync("clients/python/examples/power_sum_chunks.py");

        Assert.True(run.ExitCode == 0, $"power_sum_chunks.py exited with {run.ExitCode}:\n{run.Output}");
        Assert.Equal(2, run.Lines.Count(l => l == "99999"));
        Assert.Contains("f(1) = 51, f(2) = 52.976145806778966, f(99999) = 100127.6551002185", run.Lines);
    }

    [Fact(Timeout = 120_000)]
    public async Task ApiKeyIsSentAsABearerTokenAndItsAbsenceIsA401()
    {
        await using var keyed = await ServiceHost.StartAsync(workers: 1, Security.KeyedHostFixture.Settings);
        const string script = """
            import os
            from jobservice import JobServiceError, JobServiceExecutor
            url = os.environ["JOBSERVICE_URL"]
            with JobServiceExecutor(url, api_key=os.environ["JOBSERVICE_KEY"]) as executor:
                print("with key:", executor.submit("fib", 20).result(timeout=30), list(executor.map("fib", [15, 16])))
            try:
                JobServiceExecutor(url).submit("fib", 20)
            except JobServiceError as e:
                print("without key:", e.status)
            """;

        var run = await RunPythonAsync(keyed, new() { ["JOBSERVICE_KEY"] = Security.KeyedHostFixture.Alice }, "-c", script);

        Assert.True(run.ExitCode == 0, $"the key script exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("with key: 6765 [610, 987]", run.Lines);
        Assert.Contains("without key: 401", run.Lines);
    }

    private sealed record PythonRun(int ExitCode, string Output)
    {
        public string[] Lines => Output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    /// <summary>Runs python3 in the repository root; its process is owned here: both pipes pumped, killed with its tree on timeout.</summary>
    private Task<PythonRun> RunPythonAsync(params string[] arguments) => RunPythonAsync(service.Host, new(), arguments);

    private async Task<PythonRun> RunPythonAsync(ServiceHost host, Dictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("python3")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["JOBSERVICE_URL"] = host.Client.BaseAddress!.ToString().TrimEnd('/');
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.Environment["PYTHONPATH"] = Path.Combine(info.WorkingDirectory, "clients", "python");
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        using var process = Process.Start(info)!;
        var pumps = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) when (process.HasExited)
            {
                // It ended on its own meanwhile.
            }
            await process.WaitForExitAsync();
        }
        var pumped = await pumps;
        var text = pumped[0] + (pumped[1].Length > 0 ? "\n" + pumped[1] : "");
        output.WriteLine($"python3 {string.Join(' ', arguments)} → exit {process.ExitCode}\n{text}");
        return timeout.IsCancellationRequested
            ? new PythonRun(-1, $"timed out after {Limit}:\n{text}")
            : new PythonRun(process.ExitCode, text);
    }
}
