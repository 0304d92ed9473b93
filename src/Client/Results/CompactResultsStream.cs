using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace JobService.Client.Results;

/// <summary>
/// Reads one <c>GET /jobs/{id}/results?shape=compact</c> response as it streams:
/// <c>{"jobId","offset","values":[v0, v1, …],"failed":[{index,type,message,traceback}],"cancelled":[…],"unfinished":[…]}</c>.
/// Values are parsed straight from the socket's bytes with a <see cref="Utf8JsonReader"/> over a reused buffer (no strings,
/// no document) and handed out in batches as they come. A <c>null</c> value is an item without a result, and only the
/// lists after the array say whether it failed, was cancelled or had not ended: from the first null on, values are held
/// back until the end of the response (a job without failures never holds anything).
/// </summary>
internal sealed class CompactResultsStream<T> : IAsyncDisposable
{
    private const int ReadSize = 64 * 1024;
    private readonly string _jobId;
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly JsonTypeInfo<T> _typeInfo;
    private readonly ValueParser<T> _parse;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadSize * 2);
    private int _filled;
    private JsonReaderState _reader = new(new JsonReaderOptions { MaxDepth = 256 });
    private Phase _phase = Phase.Head;
    private int _next;
    private ItemResult<T>[] _ready = new ItemResult<T>[4096];
    private int _readyCount;
    private List<ItemResult<T>>? _held;
    private List<int>? _heldNulls;
    private MemoryStream? _tail;
    private bool _ended;

    public CompactResultsStream(string jobId, int offset, HttpResponseMessage response, Stream body, JsonSerializerOptions options)
    {
        _jobId = jobId;
        _next = offset;
        _response = response;
        _body = body;
        _typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        _parse = ValueParsers.For(_typeInfo);
    }

    private enum Phase { Head, Values, Tail }

    /// <summary>The next results in item order; empty once the response has ended. Valid until the next call.</summary>
    public async ValueTask<ReadOnlyMemory<ItemResult<T>>> ReadBatchAsync(CancellationToken cancellationToken)
    {
        _readyCount = 0;
        while (_readyCount == 0 && !_ended)
        {
            if (_filled == _buffer.Length) Grow();
            var read = await _body.ReadAsync(_buffer.AsMemory(_filled), cancellationToken);
            _filled += read;
            var final = read == 0;
            var consumed = Parse(_buffer.AsSpan(0, _filled), final);
            _buffer.AsSpan(consumed, _filled - consumed).CopyTo(_buffer);
            _filled -= consumed;
            if (final)
            {
                if (_phase != Phase.Tail) throw new JsonException($"the results of job {_jobId} ended early, at item {_next}");
                ResolveHeld();
                _ended = true;
            }
        }
        return _ready.AsMemory(0, _readyCount);
    }

    private void Grow()
    {
        var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
        _buffer.AsSpan(0, _filled).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Parses what <paramref name="data"/> holds in full; returns the bytes consumed (the rest waits for more).</summary>
    private int Parse(ReadOnlySpan<byte> data, bool final)
    {
        if (_phase == Phase.Tail)
        {
            (_tail ??= new MemoryStream()).Write(data);
            return data.Length;
        }
        var reader = new Utf8JsonReader(data, final, _reader);
        while (_phase != Phase.Tail)
        {
            var before = reader;
            if (!reader.Read()) break;
            if (_phase == Phase.Head)
            {
                // {"jobId":…,"offset":…,"values":[ — the head is read token by token until the array opens.
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("values"u8))
                {
                    if (!reader.Read()) { reader = before; break; }
                    _phase = Phase.Values;
                }
                continue;
            }
            if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 1)
            {
                _phase = Phase.Tail;
                break;
            }
            if (reader.TokenType == JsonTokenType.Null)
            {
                Add(default, isNull: true);
                continue;
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                // A nested value is parsed once all of it is here.
                var probe = reader;
                if (!probe.TrySkip()) { reader = before; break; }
            }
            Add(_parse(ref reader, _typeInfo), isNull: false);
        }
        _reader = reader.CurrentState;
        var consumed = (int)reader.BytesConsumed;
        if (_phase == Phase.Tail)
        {
            _tail = new MemoryStream();
            _tail.Write(data[consumed..]);
            return data.Length;
        }
        return consumed;
    }

    private void Add(T? value, bool isNull)
    {
        var index = _next++;
        if (isNull && _held is null)
        {
            _held = new List<ItemResult<T>>();
            _heldNulls = [];
        }
        if (_held is null)
        {
            Ready(new ItemResult<T>(index, FutureState.Finished, value, null));
            return;
        }
        if (isNull) _heldNulls!.Add(_held.Count);
        _held.Add(new ItemResult<T>(index, FutureState.Finished, value, null));
    }

    /// <summary>The lists after the array say what each null was: failed (with its error), cancelled, unfinished, or a null result.</summary>
    private void ResolveHeld()
    {
        if (_held is null) return;
        var tail = _tail is null || _tail.Length == 0 ? null : ReadTail(_tail.GetBuffer().AsSpan(0, (int)_tail.Length));
        var failed = tail?.Failed?.ToDictionary(f => f.Index) ?? [];
        var cancelled = tail?.Cancelled?.ToHashSet() ?? [];
        var unfinished = tail?.Unfinished?.ToHashSet() ?? [];
        foreach (var at in _heldNulls!)
        {
            var item = _held[at];
            _held[at] = failed.TryGetValue(item.Index, out var failure)
                ? item with { State = FutureState.Failed, Error = new FutureError(failure.Type, failure.Message, failure.Traceback) }
                : cancelled.Contains(item.Index) ? item with { State = FutureState.Cancelled }
                : unfinished.Contains(item.Index) ? item with { State = FutureState.Pending }
                : item;
        }
        foreach (var item in _held) Ready(item);
        _held = null;
    }

    private void Ready(in ItemResult<T> item)
    {
        if (_readyCount == _ready.Length) Array.Resize(ref _ready, _ready.Length * 2);
        _ready[_readyCount++] = item;
    }

    private static CompactTail? ReadTail(ReadOnlySpan<byte> rest)
    {
        // rest is ',"failed":[…],"cancelled":[…],"unfinished":[…]}': made an object again by one '{' in place of the comma.
        var start = rest.IndexOf((byte)',');
        if (start < 0) return null;
        var json = new byte[rest.Length - start];
        json[0] = (byte)'{';
        rest[(start + 1)..].CopyTo(json.AsSpan(1));
        return JsonSerializer.Deserialize<CompactTail>(json, WireJson.Options);
    }

    private sealed record CompactTail(FailedItem[]? Failed, int[]? Cancelled, int[]? Unfinished);

    public async ValueTask DisposeAsync()
    {
        await _body.DisposeAsync();
        _response.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
