using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// The bytes the PostgreSQL store keeps per unit and per batch of outcomes. A unit's arguments are one
/// value (lengths, then the JSON slices), its terminal items one bit each, and a batch of up to a few
/// thousand outcomes one row: the item hot path never costs a row, or a transaction, per item.
/// </summary>
internal static class UnitCodec
{
    private const int NullString = -1;

    public static byte[] PackArguments(ItemArguments items, int first, int count)
    {
        var size = 4L * count;
        for (var i = first; i < first + count; i++) size += items[i].Length;
        var packed = new byte[size];
        var data = 4 * count;
        for (var k = 0; k < count; k++)
        {
            var item = items[first + k].Span;
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(4 * k), item.Length);
            item.CopyTo(packed.AsSpan(data));
            data += item.Length;
        }
        return packed;
    }

    public static ItemArguments UnpackArguments(byte[] packed, int count, byte[]? slots)
    {
        var offsets = new int[count];
        var lengths = new int[count];
        var data = 4 * count;
        for (var k = 0; k < count; k++)
        {
            lengths[k] = BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(4 * k));
            offsets[k] = data;
            data += lengths[k];
        }
        ushort[]? functionSlots = null;
        if (slots is not null)
        {
            functionSlots = new ushort[count];
            for (var k = 0; k < count; k++) functionSlots[k] = BinaryPrimitives.ReadUInt16LittleEndian(slots.AsSpan(2 * k));
        }
        return new ItemArguments(packed, offsets, lengths, count, functionSlots);
    }

    /// <summary>The function slots of a multi-function submit's unit; null when every item calls the job's one function.</summary>
    public static byte[]? PackSlots(NewJob job, int first, int count)
    {
        if (job.Spec.Functions.Count < 2) return null;
        var slots = new byte[2 * count];
        for (var k = 0; k < count; k++) BinaryPrimitives.WriteUInt16LittleEndian(slots.AsSpan(2 * k), job.Items.FunctionSlot(first + k));
        return slots;
    }

    /// <summary>Bit k (least significant first, as PostgreSQL's <c>get_bit</c> counts) is item first + k.</summary>
    public static bool IsSet(byte[] bits, int k) => (bits[k >> 3] & (1 << (k & 7))) != 0;

    public static void Set(byte[] bits, int k) => bits[k >> 3] |= (byte)(1 << (k & 7));

    public static byte[] NewBits(int count) => new byte[(count + 7) / 8];

    /// <summary>One outcome: index, state, worker pid, elapsed µs, then the result JSON or the error's three strings.</summary>
    public static void Write(ArrayBufferWriter<byte> into, int index, FutureState state, int workerPid, int elapsedMicros, ReadOnlySpan<byte> result, FutureError? error)
    {
        var head = into.GetSpan(13);
        BinaryPrimitives.WriteInt32LittleEndian(head, index);
        head[4] = (byte)state;
        BinaryPrimitives.WriteInt32LittleEndian(head[5..], workerPid);
        BinaryPrimitives.WriteInt32LittleEndian(head[9..], elapsedMicros);
        into.Advance(13);
        if (state == FutureState.Finished) WriteBytes(into, result);
        else if (state == FutureState.Failed)
        {
            WriteString(into, error?.Type);
            WriteString(into, error?.Message);
            WriteString(into, error?.Traceback);
        }
    }

    /// <summary>Reads the outcomes of one batch, in the order they were recorded; results are slices of <paramref name="data"/>.</summary>
    public static IEnumerable<StoredOutcome> Read(byte[] data)
    {
        for (var at = 0; at < data.Length;)
        {
            var index = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
            var state = (FutureState)data[at + 4];
            var pid = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at + 5));
            var elapsed = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at + 9));
            at += 13;
            ReadOnlyMemory<byte> result = default;
            FutureError? error = null;
            if (state == FutureState.Finished) result = ReadBytes(data, ref at);
            else if (state == FutureState.Failed)
                error = new FutureError(ReadString(data, ref at) ?? "", ReadString(data, ref at) ?? "", ReadString(data, ref at));
            yield return new StoredOutcome(index, state, pid, elapsed, result, error);
        }
    }

    private static void WriteBytes(ArrayBufferWriter<byte> into, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(into.GetSpan(4), bytes.Length);
        into.Advance(4);
        into.Write(bytes);
    }

    private static void WriteString(ArrayBufferWriter<byte> into, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(into.GetSpan(4), NullString);
            into.Advance(4);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(text);
        var span = into.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        Encoding.UTF8.GetBytes(text, span[4..]);
        into.Advance(4 + length);
    }

    private static ReadOnlyMemory<byte> ReadBytes(byte[] data, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
        var bytes = data.AsMemory(at + 4, length);
        at += 4 + length;
        return bytes;
    }

    private static string? ReadString(byte[] data, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
        at += 4;
        if (length == NullString) return null;
        var text = Encoding.UTF8.GetString(data, at, length);
        at += length;
        return text;
    }
}

/// <summary>One terminal outcome as stored: finished with its result, failed with its error, or cancelled.</summary>
internal readonly record struct StoredOutcome(int Index, FutureState State, int WorkerPid, int ElapsedMicros, ReadOnlyMemory<byte> Result, FutureError? Error);
