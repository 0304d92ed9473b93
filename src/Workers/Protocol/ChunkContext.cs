namespace JobService.Workers.Protocol;

/// <summary>
/// What ties a chunk's items to the host's view of them: the job they belong to (a line a function prints while an
/// item runs is labelled with it), the W3C <c>traceparent</c> of the host's send span ("" when nothing is traced), and
/// from which duration an item's result carries its start time, so the host can place that item in the trace.
/// </summary>
/// <param name="StartTimesFromMicros">0: every result carries it; <see cref="int.MaxValue"/>: none does (errors always do).</param>
public sealed record ChunkContext(string JobId, string TraceParent, int StartTimesFromMicros)
{
    public static readonly ChunkContext None = new("", "", int.MaxValue);

    /// <summary>The room a chunk's size is checked with: a service job id and a traceparent take well under it.</summary>
    public const int Reserve = 256;

    /// <summary>The trace id of <see cref="TraceParent"/> (<c>00-{trace id}-{span id}-{flags}</c>), or "".</summary>
    public string TraceId => TraceParent.Length == 55 ? TraceParent.Substring(3, 32) : "";

    internal long PayloadLength => 4 + System.Text.Encoding.UTF8.GetByteCount(JobId) + 4 + TraceParent.Length + 4;

    internal void Write(FrameBuilder builder)
    {
        builder.WriteString(JobId);
        builder.WriteString(TraceParent);
        builder.WriteInt32(StartTimesFromMicros);
    }

    internal static ChunkContext Read(ref PayloadReader reader) => new(reader.ReadString(), reader.ReadString(), reader.ReadInt32());
}
