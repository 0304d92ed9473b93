using System.Text;
using JobService.Api.Storage.Postgres;

namespace JobService.Tests.Storage;

public sealed class DigitPackingTests
{
    [Theory]
    [InlineData("7")]
    [InlineData("42")]
    [InlineData("-0.000123")]
    [InlineData("6.02214076E+23")]
    [InlineData("1e-7")]
    [InlineData("0123456789.-+eE")]
    public void Number_text_unpacks_to_the_same_bytes_in_half_the_space(string number)
    {
        var text = Encoding.UTF8.GetBytes(number);
        var packed = new byte[DigitPacking.PackedLength(text.Length)];
        var unpacked = new byte[text.Length];

        Assert.True(DigitPacking.CanPack(text));
        DigitPacking.Pack(text, packed);
        DigitPacking.Unpack(packed, unpacked);

        Assert.Equal(number, Encoding.UTF8.GetString(unpacked));
        Assert.Equal((text.Length + 1) / 2, packed.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"12\"")]
    [InlineData("1 ")]
    [InlineData("[1]")]
    [InlineData("null")]
    [InlineData("١٢")]
    public void Text_with_anything_but_digits_signs_points_and_exponents_is_not_packed(string text) =>
        Assert.False(DigitPacking.CanPack(Encoding.UTF8.GetBytes(text)));
}
