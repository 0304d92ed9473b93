using Microsoft.Win32.SafeHandles;

namespace JobService.Workers.Hosting;

/// <summary>Keeps stdout for frames only, so nothing a function prints can corrupt the protocol.</summary>
internal static class StandardStreams
{
    /// <summary>The descriptor frames travel on; known here only so fault tests can corrupt it on purpose.</summary>
    public static int ProtocolFd { get; private set; } = -1;

    /// <summary>
    /// Moves the real stdout to a private descriptor and points descriptor 1 at stderr: managed
    /// <c>Console.Write</c> and native <c>printf</c> alike end up in the host's log, not in a frame; managed writes
    /// labelled with the item running (<see cref="ItemLabelWriter"/>).
    /// </summary>
    public static Stream TakeStdoutForProtocol()
    {
        var protocolFd = Libc.Dup(1);
        if (protocolFd < 0 || Libc.Dup2(2, 1) < 0)
            throw new IOException("cannot separate the protocol stream from standard output");
        Console.SetOut(new ItemLabelWriter(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }));
        Console.SetError(new ItemLabelWriter(Console.Error));
        ProtocolFd = protocolFd;
        return new FileStream(new SafeFileHandle(protocolFd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }
}
