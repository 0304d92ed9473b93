using System.Diagnostics;
using JobService.Tests.Infrastructure;
using JobService.Workers.Protocol;

namespace JobService.Tests.Protocol;

/// <summary>
/// A real worker process, spoken to over its pipes as the node speaks to it: which results say when their item started
/// (what the node needs to place an item in the trace) is what the chunk asked for, and errors always say it.
/// </summary>
public sealed class WorkerTimingTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact(Timeout = Timeouts.Test)]
    public async Task Results_carry_their_start_time_from_the_duration_the_chunk_names_and_errors_always_do()
    {
        await using var worker = await Worker.StartAsync();
        // fib(100) is refused at once: an error among fast items.
        int[] items = [1, 1, 100, 1, 20];

        var sent = UnixMicrosNow();
        var batched = await worker.RunAsync(new ChunkContext("5f2c0e3a9b7d41c6a8e0f1d2", TraceParent, 1000), items);
        var all = await worker.RunAsync(new ChunkContext("5f2c0e3a9b7d41c6a8e0f1d2", TraceParent, 0), items);
        var none = await worker.RunAsync(ChunkContext.None, items);
        var received = UnixMicrosNow();

        Assert.All(batched.Where(o => o.Error is null), o => Assert.Equal(o.ElapsedMicros >= 1000, o.StartedUnixMicros != 0));
        Assert.All(all.Where(o => o.Error is null), o => Assert.InRange(o.StartedUnixMicros, sent, received));
        Assert.All(none.Where(o => o.Error is null), o => Assert.Equal(0, o.StartedUnixMicros));
        // Items run in order, each after the one before it ended.
        for (var i = 1; i < all.Count; i++) Assert.True(all[i].StartedUnixMicros >= all[i - 1].StartedUnixMicros + all[i - 1].ElapsedMicros - 1);
        Assert.All([batched[2], all[2], none[2]], error =>
        {
            Assert.Equal("ValueError", error.Error);
            Assert.InRange(error.StartedUnixMicros, sent, received);
        });
    }

    private static long UnixMicrosNow() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;

    private sealed record Outcome(int Index, int ElapsedMicros, long StartedUnixMicros, string? Error);

    /// <summary>The worker program, started as the node starts it, hello read.</summary>
    private sealed class Worker : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly FrameReader _output;
        private int _next;

        private Worker(Process process)
        {
            _process = process;
            _output = new FrameReader(process.StandardOutput.BaseStream);
        }

        public static async Task<Worker> StartAsync()
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "JobService.Workers.dll"));
            var worker = new Worker(Process.Start(info)!);
            var hello = await worker._output.ReadAsync(CancellationToken.None);
            Assert.Equal(FrameKind.Hello, hello?.Kind);
            return worker;
        }

        /// <summary>One chunk of fib over <paramref name="arguments"/>; its outcomes in order.</summary>
        public async Task<List<Outcome>> RunAsync(ChunkContext context, int[] arguments)
        {
            var args = arguments.Select(a => System.Text.Encoding.UTF8.GetBytes(a.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
            var frame = new FrameBuilder();
            ChunkFrame.WriteHeader(frame, isolated: false, context, ["fib"], args.Length, args.Sum(a => (long)a.Length));
            foreach (var arg in args) ChunkFrame.WriteItem(frame, new ChunkItem(_next++, 0, false, arg));
            await _process.StandardInput.BaseStream.WriteAsync(frame.Written);
            await _process.StandardInput.BaseStream.FlushAsync();
            var outcomes = new List<Outcome>();
            while (outcomes.Count < args.Length)
            {
                var read = await _output.ReadAsync(CancellationToken.None) ?? throw new InvalidOperationException("the worker ended");
                outcomes.Add(Decode(read));
            }
            return outcomes;
        }

        private static Outcome Decode(Frame frame)
        {
            if (frame.Kind == FrameKind.Error)
            {
                var error = ErrorFrame.Decode(frame.Payload.Span);
                return new Outcome(error.Index, error.ElapsedMicros, error.StartedUnixMicros, error.Type);
            }
            var result = ResultFrame.Decode(frame.Payload);
            return new Outcome(result.Index, result.ElapsedMicros, result.StartedUnixMicros, null);
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
