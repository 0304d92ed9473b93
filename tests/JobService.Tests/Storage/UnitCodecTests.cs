using System.Text;
using JobService.Api.Storage;
using JobService.Api.Storage.Postgres;

namespace JobService.Tests.Storage;

public sealed class UnitCodecTests
{
    [Fact]
    public void Compact_outcomes_read_back_as_written_whatever_their_order_pid_and_state()
    {
        var written = new StoredOutcome[]
        {
            new(0, FutureState.Finished, 4242, 17, Encoding.UTF8.GetBytes("0"), null),
            new(1, FutureState.Finished, 4242, 200_000, Encoding.UTF8.GetBytes("\"a string\""), null),
            new(2, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("3.141592653589793"), null),
            new(5, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("-1.5E+300"), null),
            new(6, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("\"12\""), null),
            new(8, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("-123456789012345678"), null),
            new(9, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("123456789012345678"), null),
            new(10, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("1234567890123456789"), null),
            new(11, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("-0"), null),
            new(12, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("42"), null),
            new(7, FutureState.Failed, 4243, 0, default, new FutureError("ValueError", "bad input", "Traceback (most recent call last):\n  ...")),
            new(3, FutureState.Cancelled, 0, 0, default, null),
            new(4, FutureState.Failed, 0, 5, default, new FutureError("WorkerLost", "", null)),
            new(int.MaxValue, FutureState.Finished, 4243, int.MaxValue, new byte[300], null),
        };
        using var writer = new UnitCodec.OutcomeWriter();
        foreach (var o in written) writer.Write(o.Index, o.State, o.WorkerPid, o.ElapsedMicros, o.Result.Span, o.Error);

        var read = UnitCodec.Read(writer.ToArray(), UnitCodec.CurrentFormat).ToArray();

        Assert.Equal(written.Length, read.Length);
        for (var i = 0; i < written.Length; i++)
        {
            Assert.Equal((written[i].Index, written[i].State, written[i].WorkerPid, written[i].ElapsedMicros, written[i].Error),
                (read[i].Index, read[i].State, read[i].WorkerPid, read[i].ElapsedMicros, read[i].Error));
            Assert.Equal(written[i].Result.ToArray(), read[i].Result.ToArray());
        }
    }

    [Fact]
    public void A_run_of_numbers_with_exponents_costs_half_their_digits_and_three_bytes_each()
    {
        using var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < 1000; i++) writer.Write(i, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("1.2345E+300"), null);

        // Head, elapsed and length: three bytes per outcome, plus the pid once (a two-byte varint).
        Assert.Equal(1000 * (3 + 6) + 2, writer.ToArray().Length);
    }

    [Fact]
    public void Close_decimal_results_cost_how_far_they_are_from_the_step_before()
    {
        // The tutorial's f(x) over 1..1,000: doubles of 15 to 17 digits, their scale changing now and then.
        var results = Enumerable.Range(1, 1000)
            .Select(x => Enumerable.Range(1, 50).Sum(k => Math.Pow(x, 1 / Math.Pow(k, 1.5))).ToString("R", System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        using var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < results.Length; i++) writer.Write(i, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes(results[i]), null);

        var read = UnitCodec.Read(writer.ToArray(), UnitCodec.CurrentFormat).Select(o => Encoding.UTF8.GetString(o.Result.Span));

        Assert.Equal(results, read);
        // Digit-packed, each would cost 3 bytes and half its digits: 11 or 12; as a step from the one before (format 5), about 9.
        Assert.InRange(writer.ToArray().Length / (double)results.Length, 0, 7.5);
    }

    [Fact]
    public void Decimal_results_written_as_steps_from_the_one_before_still_read_back()
    {
        // Format 5 (schema versions 9 and 10): "1.5", then "1.75" as 25 hundredths more than the 1.50 before it. Read as
        // format 6, the second would be 3.25 (that 1.50 plus its own step from 0, plus 0.25).
        const byte head = (byte)FutureState.Finished | 0x80 | 0x20;
        byte[] data = [head, 0, 1, 30, head, 0, 2, 50];

        var read = UnitCodec.Read(data, format: 5).Select(o => Encoding.UTF8.GetString(o.Result.Span));

        Assert.Equal(["1.5", "1.75"], read);
    }

    [Fact]
    public void Decimals_of_any_sign_scale_and_size_in_any_order_read_back_exactly()
    {
        var random = new Random(7);
        var results = Enumerable.Range(0, 2000).Select(_ => RandomDecimal(random)).ToArray();
        using var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < results.Length; i++) writer.Write(i, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes(results[i]), null);

        var read = UnitCodec.Read(writer.ToArray(), UnitCodec.CurrentFormat).Select(o => Encoding.UTF8.GetString(o.Result.Span));

        Assert.Equal(results, read);
    }

    private static string RandomDecimal(Random random)
    {
        var wholeDigits = random.Next(1, 10);
        var whole = wholeDigits == 1 ? random.Next(10).ToString() : random.NextInt64((long)Math.Pow(10, wholeDigits - 1), (long)Math.Pow(10, wholeDigits)).ToString();
        var fraction = string.Concat(Enumerable.Range(0, random.Next(1, 19 - wholeDigits)).Select(_ => (char)('0' + random.Next(10))));
        return (random.Next(2) == 0 && (whole != "0" || fraction.Trim('0').Length > 0) ? "-" : "") + whole + "." + fraction;
    }

    [Fact]
    public void Consecutive_integer_results_cost_three_bytes_each()
    {
        using var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < 1000; i++) writer.Write(i, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes((i + 1_000_000).ToString()), null);

        // Head, elapsed and the difference from the result before: three bytes per outcome, plus the pid once (two bytes)
        // and the first result's own value (a three-byte varint instead of one).
        Assert.Equal(1000 * 3 + 2 + 2, writer.ToArray().Length);
        Assert.Equal(1_000_999L, long.Parse(Encoding.UTF8.GetString(UnitCodec.Read(writer.ToArray(), UnitCodec.CurrentFormat).Last().Result.Span)));
    }

    [Fact]
    public void Outcomes_of_a_format_newer_than_the_node_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => UnitCodec.Read([], UnitCodec.CurrentFormat + 1));
    }

    [Fact]
    public void Arguments_read_back_as_packed_whatever_their_lengths()
    {
        string[] items = ["1", new string('7', 127), $"\"{new string('x', 126)}\"", new string('9', 16_384), "-0.5e-7", "[]"];

        var packed = UnitCodec.PackArguments(Arguments(items), first: 1, count: 4);
        var read = UnitCodec.UnpackArguments(packed, UnitCodec.CurrentArgumentsFormat, count: 4, slots: null);

        Assert.Equal(items[1..5], Texts(read));
    }

    [Fact]
    public void A_map_over_a_range_of_integers_packs_into_three_bytes()
    {
        var items = Enumerable.Range(1, 1000).Select(i => i.ToString()).ToArray();

        var packed = UnitCodec.PackArguments(Arguments(items), first: 0, count: items.Length);

        // One run: its length and kind (a two-byte varint), then its step.
        Assert.Equal(3, packed.Length);
        Assert.Equal(items, Texts(UnitCodec.UnpackArguments(packed, UnitCodec.CurrentArgumentsFormat, items.Length, slots: null)));
    }

    [Fact]
    public void Integers_in_any_order_between_other_values_read_back_exactly()
    {
        string[] items = ["5", "17", "3", "-2", "0", "\"x\"", "1", "2", "3", "123456789012345678", "-123456789012345678",
            "1234567890123456789", "-0", "1.5", "1e3", "4", "[7]", "5", "6", "6", "6"];

        var packed = UnitCodec.PackArguments(Arguments(items), first: 0, count: items.Length);
        var read = UnitCodec.UnpackArguments(packed, UnitCodec.CurrentArgumentsFormat, count: items.Length, slots: null);

        Assert.Equal(items, Texts(read));
    }

    [Fact]
    public void Any_mix_of_runs_integers_and_other_values_reads_back_exactly()
    {
        var (random, run) = (new Random(20261127), 0L);
        var items = Enumerable.Range(0, 20_000).Select(_ => random.Next(8) switch
        {
            0 or 1 => (run += random.Next(3) - 1).ToString(),
            2 => random.NextInt64(-999_999_999_999_999_999, 999_999_999_999_999_999).ToString(),
            3 => random.NextDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            4 => $"\"{new string((char)('a' + random.Next(26)), random.Next(40))}\"",
            5 => random.Next(2) == 0 ? "-0" : "0" + random.Next(10),
            6 => "1" + new string('0', 18 + random.Next(3)),
            _ => random.Next(-3, 4).ToString(),
        }).ToArray();

        var packed = UnitCodec.PackArguments(Arguments(items), first: 0, count: items.Length);
        var read = UnitCodec.UnpackArguments(packed, UnitCodec.CurrentArgumentsFormat, count: items.Length, slots: null);
        using var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < items.Length; i++) writer.Write(i, FutureState.Finished, 4242, 1, Encoding.UTF8.GetBytes(items[i]), null);
        var results = UnitCodec.Read(writer.ToArray(), UnitCodec.CurrentFormat).Select(o => Encoding.UTF8.GetString(o.Result.Span));

        Assert.Equal(items, Texts(read));
        Assert.Equal(items, results);
    }

    [Fact]
    public void Arguments_packed_in_format_3_still_read_back()
    {
        // Format 3 (schema version 7): each length shifted left by one as a varint, the low bit set when digit-packed.
        byte[] packed = [2 << 1, .. "42"u8, 3 << 1 | 1, 0x21, 0xF3];

        var read = UnitCodec.UnpackArguments(packed, format: 3, count: 2, slots: null);

        Assert.Equal(["42", "123"], Texts(read));
    }

    [Fact]
    public void Arguments_packed_in_format_2_still_read_back()
    {
        // Format 2 (schema version 6): each length as a varint, then the JSON as it is.
        byte[] packed = [2, .. "42"u8, 3, .. "\"a\""u8];

        var read = UnitCodec.UnpackArguments(packed, format: 2, count: 2, slots: null);

        Assert.Equal(["42", "\"a\""], Texts(read));
    }

    [Fact]
    public void Arguments_packed_in_format_1_still_read_back()
    {
        // Format 1 (schema versions 1 to 5): every length in 4 bytes first, then the JSON.
        byte[] packed = [2, 0, 0, 0, 3, 0, 0, 0, .. "42"u8, .. "\"a\""u8];

        var read = UnitCodec.UnpackArguments(packed, format: 1, count: 2, slots: null);

        Assert.Equal(["42", "\"a\""], Texts(read));
    }

    private static ItemArguments Arguments(string[] items)
    {
        var lengths = items.Select(Encoding.UTF8.GetByteCount).ToArray();
        var offsets = lengths.Select((_, i) => lengths[..i].Sum()).ToArray();
        return new ItemArguments(Encoding.UTF8.GetBytes(string.Concat(items)), offsets, lengths, items.Length, null);
    }

    private static string[] Texts(ItemArguments read) => Enumerable.Range(0, read.Count).Select(k => Encoding.UTF8.GetString(read[k].Span)).ToArray();
}
