using System.Text;
using System.Text.Json;
using JobService.Client.Results;

namespace JobService.Tests.Clients;

/// <summary>The .NET client's streaming reader of the compact results shape, fed a few bytes at a time as a slow socket would.</summary>
public sealed class CompactResultsStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task ValuesSplitAnywhereAreReadWholeAndNullsAreResolvedByTheListsAfterThem(int piece)
    {
        const string body = """
            {"jobId":"j1","offset":10,"values":[{"a":[1,2,{"b":"x,]"}]},"caf\u00e9 \"q\"",12345678901,null,2.5,null,null,[3,4],null],
            "failed":[{"index":15,"type":"ValueError","message":"bad","traceback":"tb"}],"cancelled":[16],"unfinished":[18]}
            """;

        var items = await ReadAllAsync<JsonElement?>(body, offset: 10, piece);

        Assert.Equal(Enumerable.Range(10, 9), items.Select(i => i.Index));
        Assert.Equal("x,]", items[0].Value!.Value.GetProperty("a")[2].GetProperty("b").GetString());
        Assert.Equal("café \"q\"", items[1].Value!.Value.GetString());
        Assert.Equal(12345678901, items[2].Value!.Value.GetInt64());
        Assert.Equal(FutureState.Finished, items[3].State); // a null that is in no list is a function's null result
        Assert.Equal(2.5, items[4].Value!.Value.GetDouble());
        Assert.Equal(FutureState.Failed, items[5].State);
        Assert.Equal(new FutureError("ValueError", "bad", "tb"), items[5].Error);
        Assert.Equal(FutureState.Cancelled, items[6].State);
        Assert.Equal(4, items[7].Value!.Value[1].GetInt32());
        Assert.Equal(FutureState.Pending, items[8].State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task IntegersAreReadOnTheFastPathAcrossPieceBoundaries(int piece)
    {
        var values = Enumerable.Range(0, 5000).Select(i => i * 37 - 900).ToArray();
        var body = $$"""{"jobId":"j","offset":0,"values":[{{string.Join(",", values)}}],"failed":[],"cancelled":[],"unfinished":[]}""";

        var items = await ReadAllAsync<int>(body, offset: 0, piece);

        Assert.Equal(values, items.Select(i => i.Value));
        Assert.All(items, i => Assert.Equal(FutureState.Finished, i.State));
    }

    [Fact]
    public async Task ABodyThatEndsInsideTheValuesIsAnError()
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => ReadAllAsync<int>("""{"jobId":"j","offset":0,"values":[1,2,""", 0, 5));
    }

    private static async Task<List<ItemResult<T>>> ReadAllAsync<T>(string body, int offset, int piece)
    {
        var stream = new Trickle(Encoding.UTF8.GetBytes(body), piece);
        await using var reader = new CompactResultsStream<T>("j", offset, new HttpResponseMessage(), stream, WireJson.Options);
        var items = new List<ItemResult<T>>();
        while (await reader.ReadBatchAsync(CancellationToken.None) is { Length: > 0 } batch)
            items.AddRange(batch.ToArray());
        return items;
    }

    /// <summary>Hands out at most <paramref name="piece"/> bytes a read.</summary>
    private sealed class Trickle(byte[] data, int piece) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(piece, buffer.Length)], cancellationToken);
    }
}
