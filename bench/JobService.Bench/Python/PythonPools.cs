using System.Text.Json;

namespace JobService.Bench.Python;

/// <summary>One measurement printed by bench/python_pools.py (one JSON line).</summary>
internal sealed record PythonRun(string Mode, double Seconds, double? P50Ms, double? P99Ms, double? PerSecond);

/// <summary>Runs <c>python3 bench/python_pools.py MODE</c>: a fresh interpreter and pool per measurement, start-up untimed.</summary>
internal sealed class PythonPools(string script, string workingDirectory, int workers)
{
    public async Task<PythonRun> RunAsync(string mode, IReadOnlyList<string> sizeArgs, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        var outcome = await Shell.RunAsync("python3", [script, mode, "--workers", workers.ToString(), .. sizeArgs], workingDirectory, timeout.Token);
        if (outcome.ExitCode != 0)
            throw new InvalidOperationException($"python3 {Path.GetFileName(script)} {mode} exited with {outcome.ExitCode}:\n{outcome.Stderr}{outcome.Stdout}");
        foreach (var line in outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            if (!line.StartsWith('{')) continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.GetProperty("mode").GetString() != mode) continue;
            return new PythonRun(mode, root.GetProperty("seconds").GetDouble(), Number(root, "p50_ms"), Number(root, "p99_ms"), Number(root, "per_second"));
        }
        throw new InvalidOperationException($"python3 {Path.GetFileName(script)} {mode} printed no measurement:\n{outcome.Stdout}");
    }

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
