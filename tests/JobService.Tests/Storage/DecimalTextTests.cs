using System.Text;
using JobService.Api.Storage.Postgres;

namespace JobService.Tests.Storage;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("0.5", 5L, 1)]
    [InlineData("-0.5", -5L, 1)]
    [InlineData("0.0", 0L, 1)]
    [InlineData("1.50", 150L, 2)]
    [InlineData("0.000123", 123L, 6)]
    [InlineData("50112.66830808054", 5011266830808054L, 11)]
    [InlineData("-999999999.999999999", -999_999_999_999_999_999L, 9)]
    public void A_decimal_without_an_exponent_is_stored_as_its_digits_and_scale(string text, long digits, int scale)
    {
        Assert.True(DecimalText.TryParse(Encoding.UTF8.GetBytes(text), out var parsedDigits, out var parsedScale));
        Assert.Equal((digits, scale), (parsedDigits, parsedScale));
        var written = new byte[DecimalText.MaxLength];
        Assert.Equal(text, Encoding.UTF8.GetString(written, 0, DecimalText.Format(parsedDigits, parsedScale, written)));
    }

    [Theory]
    [InlineData("5", 5L)]
    [InlineData("-42", -42L)]
    [InlineData("0", 0L)]
    [InlineData("999999999999999999", 999_999_999_999_999_999L)]
    public void An_integer_is_its_digits_with_scale_zero(string text, long digits)
    {
        Assert.True(DecimalText.TryParse(Encoding.UTF8.GetBytes(text), out var parsedDigits, out var parsedScale));
        Assert.Equal((digits, 0), (parsedDigits, parsedScale));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("-0")]
    [InlineData("007")]
    [InlineData("1234567890123456789")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("-0.0")]
    [InlineData("01.5")]
    [InlineData("+1.5")]
    [InlineData("1.5e3")]
    [InlineData("1.5E+300")]
    [InlineData("1.2.3")]
    [InlineData(" 1.5")]
    [InlineData("\"1.5\"")]
    [InlineData("1234567890.123456789")]
    public void Text_that_digits_and_scale_would_not_give_back_stays_text(string text)
    {
        Assert.False(DecimalText.TryParse(Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Theory]
    [InlineData(5L, 1, 3, 500L)]
    [InlineData(-1234L, 3, 1, -12L)]
    [InlineData(99_999_999_999_999_999L, 1, 2, 999_999_999_999_999_990L)]
    [InlineData(100_000_000_000_000_000L, 1, 2, 0L)]
    public void A_decimal_is_brought_to_another_scale_or_to_zero_where_it_would_not_fit(long digits, int from, int to, long rescaled)
    {
        Assert.Equal(rescaled, DecimalText.Rescale(digits, from, to));
    }
}
