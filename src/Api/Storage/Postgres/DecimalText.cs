using System.Buffers.Text;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// JSON decimals without an exponent ("50112.66830808054", "-0.25", "1.50") kept as their digits read as one integer and
/// how many of them follow the point, so that storing the value gives back the very same text: trailing zeros are kept,
/// and only text without a leading zero (but the one before the point) and other than "-0.0…" is taken. A map's results
/// are often such numbers close to the one before (the tutorial's f(x) over 1..99,999): as differences from the one
/// before, they cost about 6 bytes instead of 10 digit-packed.
/// </summary>
internal static class DecimalText
{
    /// <summary>18 digits always fit a long, and so does the difference of two such values.</summary>
    private const int MaxDigits = 18;

    /// <summary>10^17: digits below it still fit <see cref="MaxDigits"/> with one more.</summary>
    private const long RoomForOneMore = 100_000_000_000_000_000;

    /// <summary>The longest text <see cref="Format"/> writes: a sign, a point, a zero before it and <see cref="MaxDigits"/> digits.</summary>
    public const int MaxLength = MaxDigits + 3;

    /// <param name="scale">How many digits follow the point (at least one).</param>
    public static bool TryParse(ReadOnlySpan<byte> text, out long digits, out int scale)
    {
        (digits, scale) = (0, 0);
        var negative = !text.IsEmpty && text[0] == '-';
        var number = negative ? text[1..] : text;
        var point = number.IndexOf((byte)'.');
        if (point < 1 || point == number.Length - 1 || number.Length - 1 > MaxDigits || (number[0] == '0' && point > 1)) return false;
        for (var k = 0; k < number.Length; k++)
        {
            if (k == point) continue;
            var digit = number[k] - '0';
            if ((uint)digit > 9) return false;
            digits = digits * 10 + digit;
        }
        if (negative && digits == 0) return false;
        if (negative) digits = -digits;
        scale = number.Length - 1 - point;
        return true;
    }

    /// <returns>How many bytes it took (at most <see cref="MaxLength"/>).</returns>
    /// <remarks>The digits come from the runtime's integer formatter (two at a time), then the point goes in: measured on
    /// power_sum's 100,000 results, 4–8× faster than a division per digit.</remarks>
    public static int Format(long digits, int scale, Span<byte> into)
    {
        Span<byte> text = stackalloc byte[MaxDigits + 2];
        Utf8Formatter.TryFormat((ulong)Math.Abs(digits), text, out var written);
        var at = 0;
        if (digits < 0) into[at++] = (byte)'-';
        var whole = written - scale;
        if (whole > 0)
        {
            text[..whole].CopyTo(into[at..]);
            at += whole;
            into[at++] = (byte)'.';
            text[whole..written].CopyTo(into[at..]);
            return at + scale;
        }
        // No digit before the point: "0." and as many zeros as the digits do not fill.
        into[at++] = (byte)'0';
        into[at++] = (byte)'.';
        into.Slice(at, -whole).Fill((byte)'0');
        at -= whole;
        text[..written].CopyTo(into[at..]);
        return at + written;
    }

    /// <summary>
    /// The digits of a decimal at another scale: what the next decimal's difference is taken from (0 where they would not fit
    /// in <see cref="MaxDigits"/>). Writer and reader compute it alike; it need not be exact, only the same on both ends.
    /// </summary>
    public static long Rescale(long digits, int from, int to)
    {
        for (; from < to; from++)
        {
            if (Math.Abs(digits) >= RoomForOneMore) return 0;
            digits *= 10;
        }
        for (; from > to; from--) digits /= 10;
        return digits;
    }
}
