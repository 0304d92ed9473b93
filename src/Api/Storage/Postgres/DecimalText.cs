using System.Buffers;
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

    /// <summary>
    /// A decimal as above, or an integer as <see cref="IntegerText"/> says (<paramref name="scale"/> 0), in one look at each
    /// character: every result is tried as both, and most are one or the other.
    /// </summary>
    /// <param name="scale">How many digits follow the point; 0 for an integer.</param>
    public static bool TryParse(ReadOnlySpan<byte> text, out long digits, out int scale)
    {
        (digits, scale) = (0, 0);
        var negative = text.Length > 1 && text[0] == '-';
        var number = negative ? text[1..] : text;
        if (number.IsEmpty || number.Length > MaxDigits + 1) return false;
        var (value, point) = (0L, -1);
        for (var k = 0; k < number.Length; k++)
        {
            var digit = (uint)(number[k] - '0');
            if (digit <= 9) value = value * 10 + digit;
            else if (number[k] != '.' || point >= 0) return false;
            else point = k;
        }
        if (point < 0)
        {
            if (number.Length > MaxDigits || (number[0] == '0' && (number.Length > 1 || negative))) return false;
        }
        else if (point < 1 || point == number.Length - 1 || (number[0] == '0' && point > 1) || (negative && value == 0)) return false;
        else scale = number.Length - 1 - point;
        digits = negative ? -value : value;
        return true;
    }

    /// <returns>How many bytes it took (at most <see cref="MaxLength"/>).</returns>
    /// <remarks>The whole part and the fraction (zero-padded to the scale) each by the runtime's integer formatter: measured
    /// on power_sum's 100,000 results, 4–8× faster than a division per digit, and a third faster again than formatting every
    /// digit and moving the point in.</remarks>
    public static int Format(long digits, int scale, Span<byte> into)
    {
        var at = 0;
        if (digits < 0) into[at++] = (byte)'-';
        var magnitude = (ulong)Math.Abs(digits);
        var unit = PowersOfTen[scale];
        Utf8Formatter.TryFormat(magnitude / unit, into[at..], out var whole);
        at += whole;
        into[at++] = (byte)'.';
        Utf8Formatter.TryFormat(magnitude % unit, into[at..], out var fraction, new StandardFormat('D', (byte)scale));
        return at + fraction;
    }

    private static readonly ulong[] PowersOfTen = BuildPowersOfTen();

    private static ulong[] BuildPowersOfTen()
    {
        var powers = new ulong[MaxDigits + 1];
        powers[0] = 1;
        for (var n = 1; n < powers.Length; n++) powers[n] = powers[n - 1] * 10;
        return powers;
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
