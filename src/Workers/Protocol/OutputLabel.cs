namespace JobService.Workers.Protocol;

/// <summary>
/// How a worker labels a line of its stderr with the item that printed it: <c>␞{jobId}.{index}␟{traceId}␞</c> (ASCII record
/// and unit separators, which no honest text starts with), then the line. Both sides use this one definition.
/// </summary>
public static class OutputLabel
{
    private const char Edge = '\u001E';
    private const char Separator = '\u001F';

    public static string Format(string jobId, int index, string traceId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Edge}{jobId}.{index}{Separator}{traceId}{Edge}");

    /// <summary>Splits a labelled line; false (and the line untouched) for a line without a label.</summary>
    public static bool TryParse(string line, out string futureId, out string traceId, out string text)
    {
        (futureId, traceId, text) = ("", "", line);
        if (line.Length == 0 || line[0] != Edge) return false;
        var end = line.IndexOf(Edge, 1);
        var separator = end < 0 ? -1 : line.IndexOf(Separator, 1, end - 1);
        if (separator < 0) return false;
        (futureId, traceId, text) = (line[1..separator], line[(separator + 1)..end], line[(end + 1)..]);
        return true;
    }
}
