namespace JobService.Workers.Protocol;

/// <summary>One call inside a chunk: which item, which function of the chunk's table, its JSON arguments.</summary>
/// <param name="Spread">True: <paramref name="Args"/> is a JSON array spread over the parameters; false: it is the single argument.</param>
public readonly record struct ChunkItem(int Index, ushort Function, bool Spread, ReadOnlyMemory<byte> Args);

/// <summary>
/// Host → worker: a run of items executed in order. <see cref="Isolated"/> asks the worker to
/// hand each result to the OS before it starts the next item, so that after a crash the host
/// knows exactly which item was running. <see cref="Context"/> ties the items to their job and trace: a few bytes per chunk.
/// </summary>
public sealed record ChunkFrame(bool Isolated, ChunkContext Context, IReadOnlyList<string> Functions, IReadOnlyList<ChunkItem> Items)
{
    /// <summary>Index, function slot, spread flag and argument length: what each item costs besides its arguments.</summary>
    private const int ItemOverhead = 4 + 2 + 1 + 4;

    /// <summary>
    /// Writes the frame header and the chunk's header; the items follow with <see cref="WriteItem"/>.
    /// The length is computed up front so a large chunk can go to the worker in pieces instead of
    /// being built whole in memory first.
    /// </summary>
    public static void WriteHeader(FrameBuilder builder, bool isolated, ChunkContext context, IReadOnlyList<string> functions, int itemCount, long argumentBytes)
    {
        var contextBytes = context.PayloadLength;
        if (contextBytes > ChunkContext.Reserve)
            throw new ArgumentException($"a chunk context of {contextBytes} bytes is over its {ChunkContext.Reserve}-byte reserve", nameof(context));
        var length = PayloadLength(functions, itemCount, argumentBytes) - ChunkContext.Reserve + contextBytes;
        if (length > FrameFormat.MaxPayloadBytes)
            throw new ArgumentOutOfRangeException(nameof(argumentBytes), $"a chunk of {length} bytes is over the {FrameFormat.MaxPayloadBytes}-byte frame limit");
        builder.WriteHeader(FrameKind.Chunk, (int)length);
        builder.WriteByte(isolated ? (byte)1 : (byte)0);
        context.Write(builder);
        builder.WriteUInt16(checked((ushort)functions.Count));
        foreach (var function in functions) builder.WriteString(function);
        builder.WriteInt32(itemCount);
    }

    /// <summary>
    /// The most payload bytes a chunk can take (its context counted at its reserve): what intake keeps within
    /// <see cref="FrameFormat.MaxPayloadBytes"/>, so that no accepted chunk can fail to be sent.
    /// </summary>
    public static long PayloadLength(IReadOnlyList<string> functions, int itemCount, long argumentBytes) =>
        1 + ChunkContext.Reserve + 2 + functions.Sum(f => 4 + System.Text.Encoding.UTF8.GetByteCount(f)) + 4 + (long)itemCount * ItemOverhead + argumentBytes;

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
        var context = ChunkContext.Read(ref reader);
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
        return new ChunkFrame(isolated, context, functions, items);
    }
}
