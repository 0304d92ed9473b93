using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace JobService.Tests.Infrastructure;

/// <summary>An HTTP/1.1 answer as read off the socket.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>Asserts an RFC 7807 answer with the status, and returns its JSON.</summary>
    public JsonElement Problem(int status)
    {
        Assert.True(Status == status, $"expected {status}, got {Status}: {Body}");
        Assert.StartsWith("application/problem+json", Headers.GetValueOrDefault("content-type"));
        var problem = JsonDocument.Parse(Body).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}

/// <summary>
/// Speaks HTTP/1.1 over a bare socket, for what HttpClient will not send: broken chunking, bodies cut short,
/// uploads that go on after the server has answered. The answer is read while the body is still being written.
/// </summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream _stream = null!;
    private Task<byte[]> _answer = null!;

    public static async Task<RawHttp> OpenAsync(int port, string method, string path, params string[] headers)
    {
        var http = new RawHttp();
        await http._tcp.ConnectAsync("127.0.0.1", port);
        http._stream = http._tcp.GetStream();
        http._answer = ReadToEndAsync(http._stream);
        var head = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n";
        await http._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        return http;
    }

    /// <summary>Writes body bytes; false once the server has stopped listening.</summary>
    public async Task<bool> WriteAsync(byte[] bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>One chunk of a chunked body (an empty one ends it).</summary>
    public Task<bool> WriteChunkAsync(byte[] bytes) =>
        WriteAsync([.. Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"), .. bytes, .. "\r\n"u8]);

    /// <summary>Writes chunks until the server answers or stops reading (at most <paramref name="maxBytes"/>).</summary>
    public async Task WriteChunksUntilAnsweredAsync(byte[] chunk, long maxBytes)
    {
        for (long sent = 0; sent < maxBytes && !_answer.IsCompleted; sent += chunk.Length)
            if (!await WriteChunkAsync(chunk)) return;
    }

    /// <summary>Whether the server has answered (or closed the connection) yet.</summary>
    public bool Answered => _answer.IsCompleted;

    /// <summary>Closes the connection mid-request, as a client that goes away.</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Close();
    }

    public async Task<RawResponse> ResponseAsync()
    {
        var bytes = await _answer;
        var split = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(split > 0, $"no HTTP answer: '{Encoding.UTF8.GetString(bytes)}'");
        var lines = Encoding.ASCII.GetString(bytes, 0, split).Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = bytes.AsSpan(split + 4);
        return new RawResponse(int.Parse(lines[0].Split(' ')[1]), headers,
            headers.GetValueOrDefault("transfer-encoding") == "chunked" ? Unchunk(body) : Encoding.UTF8.GetString(body));
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0) all.Write(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Reset after the answer: what arrived is the answer.
        }
        return all.ToArray();
    }

    private static string Unchunk(ReadOnlySpan<byte> body)
    {
        var bytes = new MemoryStream();
        while (true)
        {
            var end = body.IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body[..end]), 16);
            if (size == 0) return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Write(body.Slice(end + 2, size));
            body = body[(end + 2 + size + 2)..];
        }
    }
}
