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
    public static int Format(long digits, int scale, Span<byte> into)
    {
        var magnitude = Math.Abs(digits);
        var count = Math.Max(DigitCount(magnitude), scale + 1);
        var length = (digits < 0 ? 1 : 0) + count + 1;
        var at = length;
        for (var k = 0; k < count; k++, magnitude /= 10)
        {
            if (k == scale) into[--at] = (byte)'.';
            into[--at] = (byte)('0' + magnitude % 10);
        }
        if (digits < 0) into[0] = (byte)'-';
        return length;
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

    private static int DigitCount(long magnitude)
    {
        var count = 1;
        for (; magnitude >= 10; magnitude /= 10) count++;
        return count;
    }
}
