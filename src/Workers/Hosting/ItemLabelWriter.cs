using System.Text;
using JobService.Workers.Protocol;

namespace JobService.Workers.Hosting;

/// <summary>
/// The worker's <c>Console.Out</c> and <c>Console.Error</c>: a line that starts while an item runs is prefixed with
/// <see cref="OutputLabel"/> (its future id and trace id), which the host turns into JobId, FutureId and TraceId
/// properties of the log event. The label is made at the write itself, so it names the item exactly, however the
/// host's reads of stdout and stderr interleave. Native writes to descriptors 1 and 2 bypass it and stay unlabelled.
/// </summary>
internal sealed class ItemLabelWriter(TextWriter inner) : TextWriter
{
    private bool _atLineStart = true;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> chars)
    {
        while (chars.Length > 0)
        {
            if (_atLineStart && RunningItem.TryGet(out var jobId, out var item, out var traceId))
                inner.Write(OutputLabel.Format(jobId, item, traceId));
            var newline = chars.IndexOf('\n');
            var line = newline < 0 ? chars : chars[..(newline + 1)];
            inner.Write(line);
            _atLineStart = newline >= 0;
            chars = chars[line.Length..];
        }
    }

    public override void Flush() => inner.Flush();
}
