using System.Diagnostics;

namespace JobService.Bench;

/// <summary>Short-lived helper commands (build, versions, git): run to the end, output captured.</summary>
internal static class Shell
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static async Task<Outcome> RunAsync(string file, IEnumerable<string> args, string workingDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) when (process.HasExited) { }
            throw;
        }
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The first line of a command's output, or "unknown" when it cannot run.</summary>
    public static async Task<string> FirstLineAsync(string file, IEnumerable<string> args, string workingDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await RunAsync(file, args, workingDirectory, cancellationToken);
            var text = (outcome.Stdout.Length > 0 ? outcome.Stdout : outcome.Stderr).Trim();
            return outcome.ExitCode == 0 && text.Length > 0 ? text.Split('\n')[0].Trim() : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
