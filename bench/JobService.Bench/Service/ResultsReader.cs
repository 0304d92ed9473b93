using System.Text.Json;

namespace JobService.Bench.Service;

/// <summary>Whether a finished item's numeric result is the expected one (NaN when the result was not a number).</summary>
internal delegate bool ResultCheck(int index, double result);

/// <summary>What a results body held: entries, their states, and anything wrong with them.</summary>
internal sealed class ResultsTally
{
    public int Count { get; set; }
    public int Finished { get; set; }
    public int Failed { get; set; }
    public int OtherStates { get; set; }
    public int OutOfOrder { get; set; }
    public int WrongResults { get; set; }
    public long Bytes { get; set; }

    /// <summary>Throws unless there were exactly <paramref name="expected"/> entries, in order, all finished with the right result.</summary>
    public void Require(int expected, string what)
    {
        if (Count != expected || Finished != expected || OutOfOrder > 0 || WrongResults > 0)
            throw new BenchException($"{what}: expected {expected} finished results in order; got {Count} entries, {Finished} finished, " +
                $"{Failed} failed, {OtherStates} in other states, {OutOfOrder} out of order, {WrongResults} wrong results");
    }
}

/// <summary>
/// Parses <c>{"jobId":…, "results":[{"index":0,"state":"finished","result":…}, …]}</c> while it streams in, with a
/// <see cref="Utf8JsonReader"/> over a reused buffer: a million entries are checked without building a document.
/// </summary>
internal static class ResultsReader
{
    public static async Task<ResultsTally> ReadAsync(Stream body, ResultCheck check, CancellationToken cancellationToken)
    {
        var parser = new Parser(check);
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            parser.Tally.Bytes += read;
            filled += read;
            var final = read == 0;
            var consumed = parser.Feed(buffer.AsSpan(0, filled), final);
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
            if (final) break;
        }
        if (!parser.Complete || filled != 0) throw new BenchException($"the results body ended early, after {parser.Tally.Count} entries");
        return parser.Tally;
    }

    private enum Field { None, Index, State, Result }

    private sealed class Parser(ResultCheck check)
    {
        // Depths as Utf8JsonReader counts them: the root object is 0, "results" 1, an entry 2, its fields 3.
        private const int EntryDepth = 2;
        private const int FieldDepth = 3;
        private JsonReaderState _state;
        private Field _field;
        private int _index;
        private bool _finished;
        private bool _failed;
        private double _result;

        public ResultsTally Tally { get; } = new();
        public bool Complete { get; private set; }

        public int Feed(ReadOnlySpan<byte> data, bool final)
        {
            var reader = new Utf8JsonReader(data, final, _state);
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject when reader.CurrentDepth == EntryDepth:
                        (_index, _finished, _failed, _result) = (-1, false, false, double.NaN);
                        break;
                    case JsonTokenType.EndObject when reader.CurrentDepth == EntryDepth:
                        EndEntry();
                        break;
                    case JsonTokenType.EndObject when reader.CurrentDepth == 0:
                        Complete = true;
                        break;
                    case JsonTokenType.PropertyName when reader.CurrentDepth == FieldDepth:
                        _field = reader.ValueTextEquals("index"u8) ? Field.Index
                            : reader.ValueTextEquals("state"u8) ? Field.State
                            : reader.ValueTextEquals("result"u8) ? Field.Result
                            : Field.None;
                        break;
                    case JsonTokenType.Number when reader.CurrentDepth == FieldDepth:
                        if (_field == Field.Index) _index = reader.GetInt32();
                        else if (_field == Field.Result) _result = reader.GetDouble();
                        _field = Field.None;
                        break;
                    case JsonTokenType.String when reader.CurrentDepth == FieldDepth:
                        if (_field == Field.State)
                        {
                            _finished = reader.ValueTextEquals("finished"u8);
                            _failed = reader.ValueTextEquals("failed"u8);
                        }
                        _field = Field.None;
                        break;
                    default:
                        if (reader.CurrentDepth == FieldDepth) _field = Field.None;
                        break;
                }
            }
            _state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        private void EndEntry()
        {
            var tally = Tally;
            if (_index != tally.Count) tally.OutOfOrder++;
            tally.Count++;
            if (_finished)
            {
                tally.Finished++;
                if (!check(_index, _result)) tally.WrongResults++;
            }
            else if (_failed) tally.Failed++;
            else tally.OtherStates++;
        }
    }
}
