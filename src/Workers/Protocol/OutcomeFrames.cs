namespace JobService.Workers.Protocol;

/// <summary>
/// Worker → host: item <paramref name="Index"/> returned <paramref name="Json"/>. The elapsed
/// time comes after the JSON because it is known only once the JSON has been written in place;
/// the start time (Unix microseconds) last, and only when the chunk's context asked for it
/// (<see cref="ChunkContext.StartTimesFromMicros"/>): 0 when absent. Eight bytes on every result of a
/// million-item map would be kept in memory with the results for the job's life.
/// </summary>
public readonly record struct ResultFrame(int Index, ReadOnlyMemory<byte> Json, int ElapsedMicros, long StartedUnixMicros)
{
    public static ResultFrame Decode(ReadOnlyMemory<byte> payload)
    {
        var reader = new PayloadReader(payload.Span);
        var index = reader.ReadInt32();
        var (offset, length) = reader.ReadBytesRange();
        var elapsed = reader.ReadInt32();
        return new ResultFrame(index, payload.Slice(offset, length), elapsed, reader.Remaining >= 8 ? reader.ReadInt64() : 0);
    }
}

/// <summary>
/// Worker → host: item <paramref name="Index"/> raised; the traceback is the exception's full text. An error always says
/// when its item started (Unix microseconds): errors are rare, and each is worth its place in the trace.
/// </summary>
public sealed record ErrorFrame(int Index, int ElapsedMicros, long StartedUnixMicros, string Type, string Message, string Traceback)
{
    public void Write(FrameBuilder builder)
    {
        builder.Begin(FrameKind.Error);
        builder.WriteInt32(Index);
        builder.WriteInt32(ElapsedMicros);
        builder.WriteInt64(StartedUnixMicros);
        builder.WriteString(Type);
        builder.WriteString(Message);
        builder.WriteString(Traceback);
        builder.End();
    }

    public static ErrorFrame Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return new ErrorFrame(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadString(), reader.ReadString(), reader.ReadString());
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
