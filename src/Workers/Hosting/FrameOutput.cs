using System.Buffers;
using JobService.Workers.Protocol;

namespace JobService.Workers.Hosting;

/// <summary>
/// The protocol side of stdout. Frames are handed over whole; a writer thread sends whatever has
/// piled up in one write (group commit), so fast items cost one syscall per batch instead of one
/// each, and a lone slow item is still sent the moment it ends. <see cref="Flush"/> sends
/// synchronously, for isolated chunks.
/// </summary>
internal sealed class FrameOutput
{
    private readonly Stream _stdout;
    private readonly Lock _pendingGate = new();
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _dataReady = new(0);
    private FrameBuilder _pending = new();
    private FrameBuilder _sending = new();

    public FrameOutput(Stream stdout)
    {
        _stdout = stdout;
        new Thread(WriteLoop) { IsBackground = true, Name = "frame-writer" }.Start();
    }

    public void Submit(FrameBuilder frames)
    {
        bool wasEmpty;
        lock (_pendingGate)
        {
            wasEmpty = _pending.Length == 0;
            _pending.Writer.Write(frames.Written.Span);
        }
        if (wasEmpty) _dataReady.Release();
    }

    public void Flush()
    {
        lock (_writeGate)
        {
            lock (_pendingGate) (_pending, _sending) = (_sending, _pending);
            if (_sending.Length == 0) return;
            try
            {
                _stdout.Write(_sending.Written.Span);
                _stdout.Flush();
            }
            catch (IOException)
            {
                // The host closed our stdout: nobody will ever read a result again.
                Environment.Exit(ExitCodes.HostGone);
            }
            _sending.Clear();
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            _dataReady.Wait();
            Flush();
        }
    }
}
