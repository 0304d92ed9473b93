using System.Text.Json;
using System.Text.Json.Serialization;
using JobService.Workers.Hosting;

namespace JobService.Workers.Functions;

/// <summary>
/// Functions that break their worker on purpose, for fault tests: crash, exit or misbehave while
/// reading arguments, running, or writing the result. Off unless the operator enables fault injection.
/// </summary>
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

    [JobFunction("crash_in_args", FaultInjection = true, Description = "Ends the worker (as crash) while its argument is being read.")]
    public static int CrashInArgs(CrashOnRead exitCode) => exitCode.Code;

    [JobFunction("crash_in_result", FaultInjection = true, Description = "Ends the worker (as crash) while its result is being written.")]
    public static CrashOnWrite CrashInResult(int exitCode) => new(exitCode);

    [JobFunction("crash_on", FaultInjection = true, Description = "Ends the worker with exit code 3 when given the string \"crash\"; returns anything else unchanged.")]
    public static RawJson CrashOn(RawJson value)
    {
        if (value.Utf8.Span.SequenceEqual("\"crash\""u8)) Environment.Exit(3);
        return value;
    }

    [JobFunction("crash_first", FaultInjection = true,
        Description = "Crashes (exit 3) on the first `times` attempts made under `key`, then returns the attempt number (retry tests).")]
    public static int CrashFirst(string key, int times)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"jobservice-crash-first-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))}");
        var attempt = (File.Exists(marker) ? int.Parse(File.ReadAllText(marker), System.Globalization.CultureInfo.InvariantCulture) : 0) + 1;
        File.WriteAllText(marker, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (attempt <= times) Environment.Exit(3);
        return attempt;
    }

    [JobFunction("print", FaultInjection = true, Description = "Writes text to standard output (managed and native), then returns it.")]
    public static string Print(string text)
    {
        Console.Out.Write(text + "\n");
        Console.Out.Flush();
        var bytes = System.Text.Encoding.UTF8.GetBytes(text + "\n");
        Libc.Write(1, bytes, bytes.Length);
        return text;
    }

    [JobFunction("corrupt_protocol", FaultInjection = true, Description = "Writes a frame header claiming 2 GB to the protocol stream.")]
    public static int CorruptProtocol()
    {
        byte[] garbage = [0xff, 0xff, 0xff, 0x7f, 3, 1, 2, 3];
        Libc.Write(StandardStreams.ProtocolFd, garbage, garbage.Length);
        Thread.Sleep(TimeSpan.FromSeconds(30));
        return 0;
    }

    [JobFunction("flood_stderr", FaultInjection = true, Description = "Writes the given number of bytes to standard error, returns the count.")]
    public static int FloodStderr(int bytes)
    {
        var line = System.Text.Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        using var stderr = Console.OpenStandardError();
        for (var written = 0; written < bytes; written += line.Length) stderr.Write(line, 0, Math.Min(line.Length, bytes - written));
        return bytes;
    }

    [JobFunction("spin", FaultInjection = true, Description = "Loops forever (timeout tests).")]
    public static int Spin()
    {
        var x = 0;
        while (true) x = unchecked(x + 1);
    }

    [JobFunction("allocate", FaultInjection = true, Description = "Allocates and touches the given number of megabytes, returns the count.")]
    public static int Allocate(int megabytes)
    {
        var blocks = new List<byte[]>();
        for (var i = 0; i < megabytes; i++)
        {
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)i);
            blocks.Add(block);
        }
        return blocks.Count;
    }

    [JobFunction("unserializable", FaultInjection = true, Description = "Returns NaN, which JSON cannot carry.")]
    public static double Unserializable() => double.NaN;

    /// <summary>An argument whose JSON reading ends the worker.</summary>
    [JsonConverter(typeof(Converter))]
    public sealed record CrashOnRead(int Code)
    {
        private sealed class Converter : JsonConverter<CrashOnRead>
        {
            public override CrashOnRead Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                new(Crash(reader.GetInt32()));

            public override void Write(Utf8JsonWriter writer, CrashOnRead value, JsonSerializerOptions options) =>
                writer.WriteNumberValue(value.Code);
        }
    }

    /// <summary>A result whose JSON writing ends the worker.</summary>
    public sealed class CrashOnWrite(int exitCode)
    {
        public int Value => Crash(exitCode);
    }
}
