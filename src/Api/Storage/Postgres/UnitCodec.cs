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

    /// <summary>
    /// How <see cref="PackArguments"/> writes: a series of entries, each a varint head whose two low bits say what follows.
    /// <see cref="TextEntry"/> and <see cref="DigitsEntry"/>: one item, its length in the rest of the head, then the JSON
    /// as it is or digit-packed (<see cref="DigitPacking"/>). <see cref="IntegersEntry"/>: as many items as the rest of the
    /// head says, integers (<see cref="IntegerText"/>) each a step more than the integer before it (0 before the first),
    /// the step a zigzag varint: a map over 1..99,999 stores a few bytes per unit instead of 4 per item. Format 3 (schema
    /// version 7) had no integer runs and flagged digits in the head's low bit; format 2 (version 6) wrote the length and the
    /// JSON as it is; format 1 (versions 1–5) put every length first as 4 bytes.
    /// </summary>
    public const short CurrentArgumentsFormat = 4;

    private const uint TextEntry = 0, DigitsEntry = 1, IntegersEntry = 2;

    /// <summary>How many low bits of an entry's head say its kind.</summary>
    private const int KindBits = 2;

    public static byte[] PackArguments(ItemArguments items, int first, int count)
    {
        // Written once into a pooled buffer, then copied out exact: each unit's array stays off the large-object heap below 85 KB.
        using var into = new PooledBufferWriter(4 * 1024);
        var (run, step, previous) = (0, 0L, 0L);
        for (var k = first; k < first + count; k++)
        {
            var item = items[k].Span;
            if (IntegerText.TryParse(item, out var value))
            {
                if (run > 0 && value - previous == step) run++;
                else
                {
                    WriteRun(run, step, into);
                    (run, step) = (1, value - previous);
                }
                previous = value;
                continue;
            }
            WriteRun(run, step, into);
            run = 0;
            WriteItem(item, into);
        }
        WriteRun(run, step, into);
        return into.ToArray();
    }

    private static void WriteRun(int run, long step, PooledBufferWriter into)
    {
        if (run == 0) return;
        WriteVarint(into, (ulong)run << KindBits | IntegersEntry);
        WriteVarint(into, IntegerText.ZigZag(step));
    }

    private static void WriteItem(ReadOnlySpan<byte> item, PooledBufferWriter into)
    {
        var digits = DigitPacking.CanPack(item);
        WriteVarint(into, (ulong)item.Length << KindBits | (digits ? DigitsEntry : TextEntry));
        if (digits) WriteDigits(into, item); else into.Write(item);
    }

    public static ItemArguments UnpackArguments(byte[] packed, short format, int count, byte[]? slots)
    {
        var offsets = new int[count];
        var lengths = new int[count];
        var text = format switch
        {
            1 => ReadFixedWidthLengths(packed, offsets, lengths),
            2 => ReadVarintLengths(packed, offsets, lengths),
            3 => UnpackEntries(packed, offsets, lengths, kindBits: 1),
            4 => UnpackEntries(packed, offsets, lengths, KindBits),
            _ => throw new InvalidDataException($"Arguments format {format} is newer than this node knows: upgrade it."),
        };
        ushort[]? functionSlots = null;
        if (slots is not null)
        {
            functionSlots = new ushort[count];
            for (var k = 0; k < count; k++) functionSlots[k] = BinaryPrimitives.ReadUInt16LittleEndian(slots.AsSpan(2 * k));
        }
        return new ItemArguments(text, offsets, lengths, count, functionSlots);
    }

    /// <summary>
    /// Formats 3 and 4: every item's JSON, into one new buffer of the exact size, measured in a first pass. Format 3 is
    /// format 4 with one kind bit in each head (text or digits) and no integer runs.
    /// </summary>
    private static byte[] UnpackEntries(byte[] packed, int[] offsets, int[] lengths, int kindBits)
    {
        var size = 0;
        var entries = new EntryReader(packed, kindBits);
        for (var k = 0; k < lengths.Length; k++)
        {
            lengths[k] = entries.Next() is IntegersEntry ? IntegerText.Length(entries.Integer) : entries.Length;
            offsets[k] = size;
            size += lengths[k];
        }
        var text = new byte[size];
        entries = new EntryReader(packed, kindBits);
        for (var k = 0; k < lengths.Length; k++)
        {
            var into = text.AsSpan(offsets[k], lengths[k]);
            switch (entries.Next())
            {
                case IntegersEntry: IntegerText.Format(entries.Integer, into); break;
                case DigitsEntry: DigitPacking.Unpack(entries.Stored, into); break;
                default: entries.Stored.CopyTo(into); break;
            }
        }
        return text;
    }

    /// <summary>Walks the entries an item at a time; the low <paramref name="kindBits"/> of each head are its kind.</summary>
    private ref struct EntryReader(byte[] packed, int kindBits)
    {
        private int _at;
        private int _runLeft;
        private long _step;

        public long Integer { get; private set; }
        public int Length { get; private set; }
        public ReadOnlySpan<byte> Stored { get; private set; }

        /// <returns>The item's kind: for integers <see cref="Integer"/> is set, else <see cref="Length"/> and <see cref="Stored"/>.</returns>
        public uint Next()
        {
            if (_runLeft == 0)
            {
                var head = ReadVarint(packed, ref _at);
                var kind = (uint)head & ((1u << kindBits) - 1);
                if (kind != IntegersEntry)
                {
                    Length = (int)(head >> kindBits);
                    var stored = kind == DigitsEntry ? DigitPacking.PackedLength(Length) : Length;
                    Stored = packed.AsSpan(_at, stored);
                    _at += stored;
                    return kind;
                }
                (_runLeft, _step) = ((int)(head >> kindBits), IntegerText.UnZigZag(ReadVarint(packed, ref _at)));
            }
            _runLeft--;
            Integer += _step;
            return IntegersEntry;
        }
    }

    private static byte[] ReadVarintLengths(byte[] packed, int[] offsets, int[] lengths)
    {
        for (int k = 0, at = 0; k < lengths.Length; k++)
        {
            lengths[k] = (int)ReadVarint(packed, ref at);
            offsets[k] = at;
            at += lengths[k];
        }
        return packed;
    }

    private static byte[] ReadFixedWidthLengths(byte[] packed, int[] offsets, int[] lengths)
    {
        var data = 4 * lengths.Length;
        for (var k = 0; k < lengths.Length; k++)
        {
            lengths[k] = BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(4 * k));
            offsets[k] = data;
            data += lengths[k];
        }
        return packed;
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

    /// <summary>
    /// The layout of the outcomes in a results row: 1 fixed-width, 2 compact (<see cref="OutcomeWriter"/>), 3 compact with
    /// digit-packed results, 4 with integer results as differences too, 5 with decimal results as differences too, 6 with
    /// decimal results as differences from the difference before (2 to 5 are each read as 5 is: earlier formats never set
    /// the flags).
    /// </summary>
    public const short CurrentFormat = 6;

    /// <summary>
    /// Writes a batch's outcomes in format 6. Per outcome a head byte (the state, a flag when the index is not the previous
    /// one plus one, a flag when the worker pid changed), those two as varints when flagged, the elapsed µs as a varint, then
    /// an integer result (<see cref="IntegerText"/>, flagged) as a zigzag varint of its difference from the batch's integer
    /// result before it; a decimal one (<see cref="DecimalText"/>, flagged) as one of how far it is from the decimal before it
    /// plus that one's own step (both brought to its scale), preceded by that scale when it changed (flagged): the results of
    /// a smooth function over a range step evenly, so what is left is small; another result as its length and bytes
    /// (digit-packed, flagged, when <see cref="DigitPacking"/> can), or the error's three strings. Measured on power_sum over
    /// 99,999 items (doubles of 16–17 digits): about 4.7 bytes per outcome, against 8.4 in format 5 (a step from the decimal
    /// before only), 11.9 in format 4 and 20 in format 2; a million-item echo map 3 bytes from format 4 on, 10 in format 2 and
    /// 23 in the fixed-width format 1. Every byte is written, logged and read back once.
    /// </summary>
    /// <param name="capacity">Bytes to start with: a batch's size guessed ahead spares the copies of growing into it.</param>
    public sealed class OutcomeWriter(int capacity = 256) : IDisposable
    {
        /// <summary>The most a numeric outcome takes: the head, index, pid, elapsed µs and scale as varints of 32-bit values, the difference as one of 64.</summary>
        private const int MaxNumericOutcome = 1 + 4 * 5 + MaxVarintLength;

        private readonly PooledBufferWriter _data = new(capacity);
        private int _nextIndex;
        private int _pid;
        private long _integer;
        private long _decimal;
        private long _decimalStep;
        private int _scale;

        public byte[] ToArray() => _data.ToArray();

        public void Dispose() => _data.Dispose();

        public void Write(int index, FutureState state, int workerPid, int elapsedMicros, ReadOnlySpan<byte> result, FutureError? error)
        {
            var (digits, scale) = (0L, 0);
            var encoding = state != FutureState.Finished ? 0
                : DecimalText.TryParse(result, out digits, out scale) ? scale == 0 ? IntegerDifference : DecimalDifference | (scale != _scale ? NewScale : 0)
                : DigitPacking.CanPack(result) ? DigitPacked : 0;
            var head = (byte)((int)state | encoding);
            if (index != _nextIndex) head |= NewIndex;
            if (workerPid != _pid) head |= NewPid;
            // The fixed part in one reservation of the buffer: most outcomes are only that.
            var into = _data.GetSpan(MaxNumericOutcome);
            into[0] = head;
            var at = 1;
            if (index != _nextIndex) at += WriteVarint(into[at..], (uint)index);
            if (workerPid != _pid) at += WriteVarint(into[at..], (uint)workerPid);
            (_nextIndex, _pid) = (index + 1, workerPid);
            at += WriteVarint(into[at..], (uint)elapsedMicros);
            if (encoding == IntegerDifference)
            {
                at += WriteVarint(into[at..], IntegerText.ZigZag(digits - _integer));
                _integer = digits;
            }
            else if ((encoding & DecimalDifference) != 0)
            {
                if (scale != _scale) at += WriteVarint(into[at..], (uint)scale);
                var previous = DecimalText.Rescale(_decimal, _scale, scale);
                at += WriteVarint(into[at..], IntegerText.ZigZag(digits - previous - DecimalText.Rescale(_decimalStep, _scale, scale)));
                (_decimal, _decimalStep, _scale) = (digits, digits - previous, scale);
            }
            _data.Advance(at);
            if (state == FutureState.Finished && (encoding & (IntegerDifference | DecimalDifference)) == 0)
            {
                WriteVarint(_data, (uint)result.Length);
                if (encoding == DigitPacked) WriteDigits(_data, result); else _data.Write(result);
            }
            else if (state == FutureState.Failed)
            {
                WriteString(_data, error?.Type);
                WriteString(_data, error?.Message);
                WriteString(_data, error?.Traceback);
            }
        }
    }

    private const byte StateBits = 0x07;
    private const byte NewIndex = 0x08;
    private const byte NewPid = 0x10;
    private const byte DigitPacked = 0x20;
    private const byte IntegerDifference = 0x40;
    private const byte DecimalDifference = 0x80;

    /// <summary>With <see cref="DecimalDifference"/> (whose digits are never packed): the decimal's scale follows.</summary>
    private const byte NewScale = DigitPacked;

    private static void WriteDigits(PooledBufferWriter into, ReadOnlySpan<byte> text) =>
        into.Advance(DigitPacking.Pack(text, into.GetSpan(DigitPacking.PackedLength(text.Length))));

    /// <summary>
    /// Reads the outcomes of one batch, in the order they were recorded; results are slices of <paramref name="data"/>, or of
    /// the <see cref="TextBlocks"/> their packed digits and numbers were written out into.
    /// </summary>
    public static IEnumerable<StoredOutcome> Read(byte[] data, short format) => format switch
    {
        1 => ReadFixedWidth(data),
        < CurrentFormat => ReadCompact(data, secondOrder: false),
        CurrentFormat => ReadCompact(data, secondOrder: true),
        _ => throw new InvalidDataException($"Outcomes format {format} is newer than this node knows: upgrade it."),
    };

    /// <param name="secondOrder">Format 6: a decimal is stored as its distance from the one before plus that one's step.</param>
    private static IEnumerable<StoredOutcome> ReadCompact(byte[] data, bool secondOrder)
    {
        var (nextIndex, pid, integer, digits, step, scale) = (0, 0, 0L, 0L, 0L, 0);
        var text = new TextBlocks();
        for (var at = 0; at < data.Length;)
        {
            var head = data[at++];
            var index = (head & NewIndex) != 0 ? (int)ReadVarint(data, ref at) : nextIndex;
            if ((head & NewPid) != 0) pid = (int)ReadVarint(data, ref at);
            nextIndex = index + 1;
            var elapsed = (int)ReadVarint(data, ref at);
            var state = (FutureState)(head & StateBits);
            ReadOnlyMemory<byte> result = default;
            FutureError? error = null;
            if ((head & IntegerDifference) != 0)
            {
                integer += IntegerText.UnZigZag(ReadVarint(data, ref at));
                result = text.Take(IntegerText.Format(integer, text.Room(IntegerText.MaxLength)));
            }
            else if ((head & DecimalDifference) != 0)
            {
                var next = (head & NewScale) != 0 ? (int)ReadVarint(data, ref at) : scale;
                var previous = DecimalText.Rescale(digits, scale, next);
                digits = previous + (secondOrder ? DecimalText.Rescale(step, scale, next) : 0) + IntegerText.UnZigZag(ReadVarint(data, ref at));
                (step, scale) = (digits - previous, next);
                result = text.Take(DecimalText.Format(digits, scale, text.Room(DecimalText.MaxLength)));
            }
            else if (state == FutureState.Finished)
            {
                var length = (int)ReadVarint(data, ref at);
                if ((head & DigitPacked) == 0)
                {
                    result = data.AsMemory(at, length);
                    at += length;
                }
                else
                {
                    var packed = DigitPacking.PackedLength(length);
                    DigitPacking.Unpack(data.AsSpan(at, packed), text.Room(length)[..length]);
                    result = text.Take(length);
                    at += packed;
                }
            }
            else if (state == FutureState.Failed)
                error = new FutureError(ReadString(data, ref at) ?? "", ReadString(data, ref at) ?? "", ReadString(data, ref at));
            yield return new StoredOutcome(index, state, pid, elapsed, result, error);
        }
    }

    /// <summary>Format 1, written by schema version 1: index, state, pid and elapsed µs in 13 bytes, then an int32-prefixed result.</summary>
    private static IEnumerable<StoredOutcome> ReadFixedWidth(byte[] data)
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
            if (state == FutureState.Finished)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
                result = data.AsMemory(at + 4, length);
                at += 4 + length;
            }
            else if (state == FutureState.Failed)
                error = new FutureError(ReadFixedString(data, ref at) ?? "", ReadFixedString(data, ref at) ?? "", ReadFixedString(data, ref at));
            yield return new StoredOutcome(index, state, pid, elapsed, result, error);
        }
    }

    private const int MaxVarintLength = 10;

    private static void WriteVarint(PooledBufferWriter into, ulong value) => into.Advance(WriteVarint(into.GetSpan(MaxVarintLength), value));

    /// <returns>How many bytes it took.</returns>
    private static int WriteVarint(Span<byte> into, ulong value)
    {
        var n = 0;
        for (; value >= 0x80; value >>= 7) into[n++] = (byte)(value | 0x80);
        into[n++] = (byte)value;
        return n;
    }

    private static ulong ReadVarint(byte[] data, ref int at)
    {
        var value = 0ul;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    /// <summary>A string as its UTF-8 length plus one (0: null), then its bytes.</summary>
    private static void WriteString(PooledBufferWriter into, string? text)
    {
        if (text is null)
        {
            WriteVarint(into, 0);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(text);
        WriteVarint(into, (uint)length + 1);
        Encoding.UTF8.GetBytes(text, into.GetSpan(length));
        into.Advance(length);
    }

    private static string? ReadString(byte[] data, ref int at)
    {
        var length = (int)ReadVarint(data, ref at) - 1;
        if (length < 0) return null;
        var text = Encoding.UTF8.GetString(data, at, length);
        at += length;
        return text;
    }

    private static string? ReadFixedString(byte[] data, ref int at)
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
