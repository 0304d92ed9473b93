using System.Runtime.InteropServices;

namespace JobService.Workers.Hosting;

/// <summary>The few POSIX calls .NET does not expose: fd plumbing, the parent pid, real signals.</summary>
internal static class Libc
{
    public const int SigKill = 9;
    public const int SigSegv = 11;

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static extern int Dup2(int oldFd, int newFd);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    public static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "getppid")]
    public static extern int GetParentPid();

    [DllImport("libc", EntryPoint = "abort")]
    public static extern void Abort();

    [DllImport("libc", EntryPoint = "raise")]
    public static extern int Raise(int signal);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);
}
