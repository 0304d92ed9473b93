using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace JobService.Workers.Protocol;

/// <summary>
/// Appends frames to one growable buffer; the length prefix is patched when a frame ends,
/// so payloads (JSON results above all) are written once, in place.
/// </summary>
public sealed class FrameBuilder(int initialCapacity = 64 * 1024)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity);
    private int _frameStart = -1;

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;
    public int Length => _buffer.WrittenCount;
    public IBufferWriter<byte> Writer => _buffer;

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        _frameStart = -1;
    }

    public void Begin(FrameKind kind)
    {
        if (_frameStart >= 0) throw new InvalidOperationException("A frame is already open.");
        _frameStart = _buffer.WrittenCount;
        var header = _buffer.GetSpan(FrameFormat.HeaderSize);
        header[4] = (byte)kind;
        _buffer.Advance(FrameFormat.HeaderSize);
    }

    public void End()
    {
        var length = _buffer.WrittenCount - _frameStart - FrameFormat.HeaderSize;
        BinaryPrimitives.WriteInt32LittleEndian(WritableAt(_frameStart, 4), length);
        _frameStart = -1;
    }

    /// <summary>Starts a frame whose payload length is known up front, so it can be written (and sent) in pieces.</summary>
    public void WriteHeader(FrameKind kind, int payloadLength)
    {
        var header = _buffer.GetSpan(FrameFormat.HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(header, payloadLength);
        header[4] = (byte)kind;
        _buffer.Advance(FrameFormat.HeaderSize);
    }

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteInt32(bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteInt32(byteCount);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(byteCount));
        _buffer.Advance(byteCount);
    }

    /// <summary>Reserves an int32 length slot; <see cref="EndLength"/> fills it with the bytes written since.</summary>
    public int BeginLength()
    {
        WriteInt32(0);
        return _buffer.WrittenCount;
    }

    public void EndLength(int start) =>
        BinaryPrimitives.WriteInt32LittleEndian(WritableAt(start - 4, 4), _buffer.WrittenCount - start);

    private Span<byte> WritableAt(int offset, int length) =>
        MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(offset, length);
}
