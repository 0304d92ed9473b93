using System.Text;
using JobService.Api.Storage.Postgres;

namespace JobService.Tests.Storage;

public sealed class IntegerTextTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("7", 7L)]
    [InlineData("-7", -7L)]
    [InlineData("99999", 99_999L)]
    [InlineData("999999999999999999", 999_999_999_999_999_999L)]
    [InlineData("-999999999999999999", -999_999_999_999_999_999L)]
    public void An_integer_as_a_formatter_writes_it_is_stored_as_its_value(string text, long value)
    {
        Assert.True(IntegerText.TryParse(Encoding.UTF8.GetBytes(text), out var parsed));
        Assert.Equal(value, parsed);
        var written = new byte[IntegerText.MaxLength];
        Assert.Equal(text, Encoding.UTF8.GetString(written, 0, IntegerText.Format(parsed, written)));
        Assert.Equal(text.Length, IntegerText.Length(parsed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("-0")]
    [InlineData("007")]
    [InlineData("+5")]
    [InlineData("5.0")]
    [InlineData("1e3")]
    [InlineData(" 5")]
    [InlineData("\"5\"")]
    [InlineData("1000000000000000000")]
    public void Text_that_the_value_would_not_give_back_stays_text(string text)
    {
        Assert.False(IntegerText.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void A_difference_survives_its_zigzag_form(long value)
    {
        Assert.Equal(value, IntegerText.UnZigZag(IntegerText.ZigZag(value)));
    }
}
