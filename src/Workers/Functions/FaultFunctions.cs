using JobService.Workers.Hosting;

namespace JobService.Workers.Functions;

/// <summary>Functions that break their worker on purpose, for fault tests. Off unless the operator enables fault injection.</summary>
public static class FaultFunctions
{
    [JobFunction("crash", FaultInjection = true,
        Description = "Ends the worker at once: 134 aborts, 137 SIGKILLs itself, 139 segfaults, any other code exits with it.")]
    public static int Crash(int exitCode)
    {
        switch (exitCode)
        {
            case 134: Libc.Abort(); break;
            case 137: Libc.Kill(Environment.ProcessId, Libc.SigKill); break;
            case 139: Libc.Raise(Libc.SigSegv); break;
        }
        Environment.Exit(exitCode);
        return exitCode;
    }

    [JobFunction("print", FaultInjection = true, Description = "Writes text to the process's standard output, then returns it.")]
    public static string Print(string text)
    {
        Console.Out.Write(text);
        Console.Out.Flush();
        return text;
    }

    [JobFunction("flood_stderr", FaultInjection = true, Description = "Writes the given number of bytes to standard error, returns the count.")]
    public static int FloodStderr(int bytes)
    {
        var line = new string('x', 1023) + "\n";
        using var stderr = Console.OpenStandardError();
        var buffer = System.Text.Encoding.ASCII.GetBytes(line);
        for (var written = 0; written < bytes; written += buffer.Length) stderr.Write(buffer, 0, Math.Min(buffer.Length, bytes - written));
        return bytes;
    }

    [JobFunction("spin", FaultInjection = true, Description = "Loops forever (timeout tests).")]
    public static int Spin()
    {
        var x = 0;
        while (true) x = unchecked(x + 1);
    }

    [JobFunction("unserializable", FaultInjection = true, Description = "Returns NaN, which JSON cannot carry.")]
    public static double Unserializable() => double.NaN;

    [JobFunction("exit_in_result", FaultInjection = true, Description = "Returns a value whose serialisation ends the worker with the given code.")]
    public static ExitOnSerialize ExitInResult(int exitCode) => new(exitCode);

    /// <summary>A result whose only property exits the process when the serializer reads it.</summary>
    public sealed class ExitOnSerialize(int exitCode)
    {
        public int Value
        {
            get
            {
                Environment.Exit(exitCode);
                return exitCode;
            }
        }
    }
}
