namespace JobService.Workers.Protocol;

/// <summary>
/// Worker → host: item <paramref name="Index"/> returned <paramref name="Json"/>. The elapsed
/// time comes last because it is known only once the JSON has been written in place.
/// </summary>
public readonly record struct ResultFrame(int Index, ReadOnlyMemory<byte> Json, int ElapsedMicros)
{
    public static ResultFrame Decode(ReadOnlyMemory<byte> payload)
    {
        var reader = new PayloadReader(payload.Span);
        var index = reader.ReadInt32();
        var (offset, length) = reader.ReadBytesRange();
        return new ResultFrame(index, payload.Slice(offset, length), reader.ReadInt32());
    }
}

/// <summary>Worker → host: item <paramref name="Index"/> raised; the traceback is the exception's full text.</summary>
public sealed record ErrorFrame(int Index, int ElapsedMicros, string Type, string Message, string Traceback)
{
    public void Write(FrameBuilder builder)
    {
        builder.Begin(FrameKind.Error);
        builder.WriteInt32(Index);
        builder.WriteInt32(ElapsedMicros);
        builder.WriteString(Type);
        builder.WriteString(Message);
        builder.WriteString(Traceback);
        builder.End();
    }

    public static ErrorFrame Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return new ErrorFrame(reader.ReadInt32(), reader.ReadInt32(), reader.ReadString(), reader.ReadString(), reader.ReadString());
    }
}

/// <summary>Worker → host, first frame: the worker has loaded its catalog and waits for chunks.</summary>
public sealed record HelloFrame(int Pid, int ProtocolVersion, int FunctionCount)
{
    public void Write(FrameBuilder builder)
    {
        builder.Begin(FrameKind.Hello);
        builder.WriteInt32(Pid);
        builder.WriteInt32(ProtocolVersion);
        builder.WriteInt32(FunctionCount);
        builder.End();
    }

    public static HelloFrame Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return new HelloFrame(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
    }
}
