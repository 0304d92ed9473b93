namespace JobService.Api.Pool;

/// <summary>Puts a worker's exit status in words: the signal behind 128+n codes, and its last stderr lines.</summary>
public static class WorkerExit
{
    public static string Describe(int? exitCode) => exitCode switch
    {
        null => "is still running",
        134 => "exit code 134 (SIGABRT: aborted)",
        137 => "exit code 137 (SIGKILL: killed, or out of memory)",
        139 => "exit code 139 (SIGSEGV: segmentation fault)",
        143 => "exit code 143 (SIGTERM)",
        > 128 and < 160 => $"exit code {exitCode} (signal {exitCode - 128})",
        _ => $"exit code {exitCode}",
    };
}
