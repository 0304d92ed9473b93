using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace JobService.Workers.Protocol;

/// <summary>One frame off the wire; the payload is a private copy the caller may keep.</summary>
public readonly record struct Frame(FrameKind Kind, ReadOnlyMemory<byte> Payload);

/// <summary>Reads length-prefixed frames from a stream; null at a clean end of stream.</summary>
/// <param name="blockBytes">The blocks small payloads share (see <see cref="Copy"/>).</param>
public sealed class FrameReader(Stream stream, int blockBytes = FrameReader.LongLivedBlockBytes)
{
    /// <summary>On the large-object heap: for payloads kept as long as their job (results the InMemory store holds).</summary>
    public const int LongLivedBlockBytes = 128 * 1024;

    /// <summary>Below the large-object heap: for payloads dropped soon after they are read (results written away to PostgreSQL).</summary>
    public const int ShortLivedBlockBytes = 64 * 1024;

    private const int SharedBelow = 4 * 1024;
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
    private readonly Frame[] _one = new Frame[1];
    private byte[] _block = [];
    private int _blockUsed;

    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken) =>
        await ReadManyAsync(_one, cancellationToken) == 0 ? null : _one[0];

    /// <summary>
    /// Waits for at least one frame, then takes every whole frame already buffered, up to the room in
    /// <paramref name="into"/>; 0 at a clean end of stream. One pipe read for many frames: with a
    /// read per frame, the reading itself cost more than the results it carried.
    /// </summary>
    public async ValueTask<int> ReadManyAsync(Memory<Frame> into, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var count = ParseMany(ref buffer, into.Span);
            if (count > 0)
            {
                _reader.AdvanceTo(buffer.Start);
                return count;
            }
            if (read.IsCompleted)
            {
                var leftover = buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (leftover == 0) return 0;
                throw new ProtocolException($"stream ended inside a frame ({leftover} bytes of it arrived)");
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Frames that lie whole in the buffer's first segment (nearly all) are parsed straight from its span;
    /// slicing the sequence per frame cost as much as the small results inside them.
    /// </summary>
    private int ParseMany(ref ReadOnlySequence<byte> buffer, Span<Frame> into)
    {
        var count = 0;
        while (count < into.Length)
        {
            var first = buffer.FirstSpan;
            var consumed = 0;
            while (count < into.Length && first.Length - consumed >= FrameFormat.HeaderSize)
            {
                var (length, kind) = ReadHeader(first[consumed..]);
                if (first.Length - consumed - FrameFormat.HeaderSize < length) break;
                into[count++] = new Frame(kind, Copy(first.Slice(consumed + FrameFormat.HeaderSize, length)));
                consumed += FrameFormat.HeaderSize + length;
            }
            buffer = buffer.Slice(consumed);
            if (count == into.Length || !TryParse(ref buffer, out var straddling)) break;
            into[count++] = straddling;
        }
        return count;
    }

    private bool TryParse(ref ReadOnlySequence<byte> buffer, out Frame frame)
    {
        frame = default;
        if (buffer.Length < FrameFormat.HeaderSize) return false;
        Span<byte> header = stackalloc byte[FrameFormat.HeaderSize];
        buffer.Slice(0, FrameFormat.HeaderSize).CopyTo(header);
        var (length, kind) = ReadHeader(header);
        if (buffer.Length < FrameFormat.HeaderSize + length) return false;
        var payload = buffer.Slice(FrameFormat.HeaderSize, length).ToArray();
        buffer = buffer.Slice(FrameFormat.HeaderSize + length);
        frame = new Frame(kind, payload);
        return true;
    }

    private static (int Length, FrameKind Kind) ReadHeader(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var kind = (FrameKind)header[4];
        if (length < 0 || length > FrameFormat.MaxPayloadBytes)
            throw new ProtocolException($"frame length {length} is outside 0..{FrameFormat.MaxPayloadBytes}");
        if (kind is < FrameKind.Hello or > FrameKind.Error)
            throw new ProtocolException($"unknown frame kind {(byte)kind}");
        return (length, kind);
    }

    /// <summary>
    /// Small payloads share blocks, which live as long as any slice of them is kept: measured on a million-item
    /// map, one array per result was a million objects for the GC to trace and keep. Blocks of 128 KB go to the
    /// large-object heap, so results kept for a job's lifetime are never copied from generation to generation;
    /// results dropped soon after go in smaller blocks that die young, since a large-object heap that churns is
    /// collected with generation 2 (measured on PostgreSQL: with a send's other large buffers, about two full
    /// collections per 100,000-item map).
    /// </summary>
    private ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> payload)
    {
        var length = payload.Length;
        if (length >= SharedBelow) return payload.ToArray();
        if (_block.Length - _blockUsed < length)
        {
            _block = new byte[blockBytes];
            _blockUsed = 0;
        }
        var target = _block.AsMemory(_blockUsed, length);
        payload.CopyTo(target.Span);
        _blockUsed += length;
        return target;
    }
}
