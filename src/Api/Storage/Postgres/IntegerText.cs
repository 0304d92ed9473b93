using System.Buffers.Text;

namespace JobService.Api.Storage.Postgres;

/// <summary>
/// JSON integers written the one way a formatter writes them (no sign but '-', no leading zero, not "-0"), so that
/// storing the value instead of the text gives back the very same text. Maps run over ranges of integers
/// (<c>range(n)</c>), and many functions return integers: as differences from the one before, a range costs a few bytes.
/// </summary>
internal static class IntegerText
{
    /// <summary>18 digits always fit a long, and so does the difference of two such values.</summary>
    private const int MaxDigits = 18;

    /// <summary>The longest text <see cref="Format"/> writes: a sign and <see cref="MaxDigits"/> digits.</summary>
    public const int MaxLength = MaxDigits + 1;

    /// <summary>Parsed with decimals (<see cref="DecimalText.TryParse"/>), which results are tried as in the same pass.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long value) => DecimalText.TryParse(text, out value, out var scale) && scale == 0;

    /// <returns>How many bytes it took (at most <see cref="MaxLength"/>).</returns>
    public static int Format(long value, Span<byte> into) =>
        Utf8Formatter.TryFormat(value, into, out var written) ? written : throw new ArgumentException("Too short for the integer.", nameof(into));

    public static int Length(long value)
    {
        var length = value < 0 ? 2 : 1;
        for (var rest = value < 0 ? -(value / 10) : value / 10; rest > 0; rest /= 10) length++;
        return length;
    }

    /// <summary>Small differences either way become small varints.</summary>
    public static ulong ZigZag(long value) => (ulong)(value << 1 ^ value >> 63);

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
