using System.Buffers.Binary;
using System.Text;

namespace JobService.Workers.Protocol;

/// <summary>Reads the fields of one frame payload in the order <see cref="FrameBuilder"/> wrote them.</summary>
public ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public byte ReadByte() => Take(1)[0];
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public string ReadString() => Encoding.UTF8.GetString(Take(ReadLength()));

    /// <summary>Bytes not read yet: an optional field at the end of a payload is there when these remain.</summary>
    public readonly int Remaining => _payload.Length - _position;

    /// <summary>The offset and length of a length-prefixed byte run, to slice the payload without copying.</summary>
    public (int Offset, int Length) ReadBytesRange()
    {
        var length = ReadLength();
        var offset = _position;
        Take(length);
        return (offset, length);
    }

    private int ReadLength()
    {
        var length = ReadInt32();
        if (length < 0) throw new ProtocolException($"negative length {length} in frame");
        return length;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_payload.Length - _position < count)
            throw new ProtocolException($"frame payload too short: wanted {count} bytes at {_position} of {_payload.Length}");
        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }
}
