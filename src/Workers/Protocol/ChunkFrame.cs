namespace JobService.Workers.Protocol;

/// <summary>One call inside a chunk: which item, which function of the chunk's table, its JSON arguments.</summary>
/// <param name="Spread">True: <paramref name="Args"/> is a JSON array spread over the parameters; false: it is the single argument.</param>
public readonly record struct ChunkItem(int Index, ushort Function, bool Spread, ReadOnlyMemory<byte> Args);

/// <summary>
/// Host → worker: a run of items executed in order. <see cref="Isolated"/> asks the worker to
/// hand each result to the OS before it starts the next item, so that after a crash the host
/// knows exactly which item was running.
/// </summary>
public sealed record ChunkFrame(bool Isolated, IReadOnlyList<string> Functions, IReadOnlyList<ChunkItem> Items)
{
    public static void WriteHeader(FrameBuilder builder, bool isolated, IReadOnlyList<string> functions, int itemCount)
    {
        builder.Begin(FrameKind.Chunk);
        builder.WriteByte(isolated ? (byte)1 : (byte)0);
        builder.WriteUInt16(checked((ushort)functions.Count));
        foreach (var function in functions) builder.WriteString(function);
        builder.WriteInt32(itemCount);
    }

    public static void WriteItem(FrameBuilder builder, in ChunkItem item)
    {
        builder.WriteInt32(item.Index);
        builder.WriteUInt16(item.Function);
        builder.WriteByte(item.Spread ? (byte)1 : (byte)0);
        builder.WriteBytes(item.Args.Span);
    }

    public static ChunkFrame Decode(ReadOnlyMemory<byte> payload)
    {
        var reader = new PayloadReader(payload.Span);
        var isolated = reader.ReadByte() == 1;
        var functions = new string[reader.ReadUInt16()];
        for (var i = 0; i < functions.Length; i++) functions[i] = reader.ReadString();
        var count = reader.ReadInt32();
        if (count < 0) throw new ProtocolException($"negative item count {count}");
        var items = new ChunkItem[count];
        for (var i = 0; i < count; i++)
        {
            var index = reader.ReadInt32();
            var function = reader.ReadUInt16();
            if (function >= functions.Length) throw new ProtocolException($"function slot {function} out of range");
            var spread = reader.ReadByte() == 1;
            var (offset, length) = reader.ReadBytesRange();
            items[i] = new ChunkItem(index, function, spread, payload.Slice(offset, length));
        }
        return new ChunkFrame(isolated, functions, items);
    }
}
