using JobService.Workers.Protocol;

namespace JobService.Tests.Protocol;

/// <summary>The fields that carry a trace across the worker's pipes, read back as the other side reads them.</summary>
public sealed class TraceFieldsTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void A_chunk_carries_its_job_its_trace_context_and_which_items_must_say_when_they_started()
    {
        var builder = new FrameBuilder();
        var context = new ChunkContext("5f2c0e3a9b7d41c6a8e0f1d2", TraceParent, 1000);
        byte[] args = [(byte)'4', (byte)'2'];
        ChunkFrame.WriteHeader(builder, isolated: false, context, ["fib"], 1, args.Length);
        ChunkFrame.WriteItem(builder, new ChunkItem(7, 0, false, args));

        var chunk = ChunkFrame.Decode(builder.Written[FrameFormat.HeaderSize..]);

        Assert.Equal(context, chunk.Context);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", chunk.Context.TraceId);
        Assert.Equal(7, Assert.Single(chunk.Items).Index);
        // What intake checks a chunk's size with is never less than what is sent.
        Assert.True(builder.Length - FrameFormat.HeaderSize <= ChunkFrame.PayloadLength(["fib"], 1, args.Length));
    }

    [Fact]
    public void A_result_says_when_its_item_started_only_when_it_was_written_with_it()
    {
        var plain = Result(startedUnixMicros: null);
        var timed = Result(startedUnixMicros: 1_764_158_400_000_123);

        Assert.Equal((7, 12, 0L), (plain.Index, plain.ElapsedMicros, plain.StartedUnixMicros));
        Assert.Equal((7, 12, 1_764_158_400_000_123L), (timed.Index, timed.ElapsedMicros, timed.StartedUnixMicros));
        Assert.Equal("42"u8.ToArray(), timed.Json.ToArray());
    }

    [Fact]
    public void An_error_always_says_when_its_item_started()
    {
        var builder = new FrameBuilder();
        new ErrorFrame(3, 5, 1_764_158_400_000_456, "ValueError", "n too large", "at fib").Write(builder);

        var error = ErrorFrame.Decode(builder.Written.Span[FrameFormat.HeaderSize..]);

        Assert.Equal(new ErrorFrame(3, 5, 1_764_158_400_000_456, "ValueError", "n too large", "at fib"), error);
    }

    [Fact]
    public void A_printed_line_is_labelled_with_its_item_and_a_line_without_a_label_is_left_alone()
    {
        var line = OutputLabel.Format("5f2c0e3a9b7d41c6a8e0f1d2", 12, "0af7651916cd43dd8448eb211c80319c") + "hello";

        Assert.True(OutputLabel.TryParse(line, out var future, out var trace, out var text));
        Assert.Equal(("5f2c0e3a9b7d41c6a8e0f1d2.12", "0af7651916cd43dd8448eb211c80319c", "hello"), (future, trace, text));
        Assert.False(OutputLabel.TryParse("\u001Ehello", out _, out _, out var unlabelled));
        Assert.Equal("\u001Ehello", unlabelled);
    }

    private static ResultFrame Result(long? startedUnixMicros)
    {
        var builder = new FrameBuilder();
        builder.Begin(FrameKind.Result);
        builder.WriteInt32(7);
        builder.WriteBytes("42"u8);
        builder.WriteInt32(12);
        if (startedUnixMicros is { } started) builder.WriteInt64(started);
        builder.End();
        return ResultFrame.Decode(builder.Written[FrameFormat.HeaderSize..]);
    }
}
