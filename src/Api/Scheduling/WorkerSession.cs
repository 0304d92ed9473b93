using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using JobService.Api.Pool;
using JobService.Api.Storage;
using JobService.Api.Telemetry;
using JobService.Workers.Protocol;

namespace JobService.Api.Scheduling;

/// <summary>
/// One send of items to one leased worker: writes the chunk frames, reads one outcome per item
/// in order, records them as they arrive, and says how it ended and which items were never reported.
/// </summary>
internal sealed class WorkerSession(
    UnitClaim claim, int[] items, bool isolated, TimeSpan itemTimeout, WorkerLease lease, IJobStore store, FunctionTimings timings, JobLifecycle lifecycle, UnitTally tally)
{
    private readonly JobSpec _spec = claim.Job;

    /// <summary>
    /// About how many outcomes go to the store together. A send's batches are of one size, as many as make them nearest this:
    /// a 25,000-item chunk is written in 3 batches of 8,334, not 3 of 8,192 and one of 424. Each write costs the database a
    /// statement and a commit however small it is: measured on power_sum over 1..99,999 on PostgreSQL (chunks of 12,500, two
    /// batches each), 20 ms of database CPU per job instead of 26–29 with batches of about 4,096 (a batch also goes early when
    /// its first outcome has waited long enough, see <see cref="OutcomeRecorder"/>).
    /// </summary>
    private const int RecordBatch = 8192;

    /// <summary>About a claim's round trip on a busy node: <see cref="NearlyDone"/> is told this long before the last item ends.</summary>
    private static readonly TimeSpan NearlyDoneLead = TimeSpan.FromMilliseconds(20);

    /// <summary>Chunks go to the worker in pieces of about <see cref="SendAt"/> bytes: a 100,000-item chunk never sits whole in memory.</summary>
    private const int WriteBuffer = 64 * 1024;

    /// <summary>
    /// Half the buffer: an item or header that crosses it still fits, so the buffer does not grow to 128 KB, onto the
    /// large-object heap, which is collected only with generation 2.
    /// </summary>
    private const int SendAt = WriteBuffer / 2;
    private ConcurrentDictionary<int, byte>? _interrupts;
    private OutcomeRecorder? _recorder;
    private readonly WorkerProcess _worker = lease.Worker;
    private int _next;
    private volatile bool _interrupted;

    public string JobId => _spec.Id;

    /// <summary>Completed when the items left are estimated to end within <see cref="NearlyDoneLead"/> (from the pace so far), or at the end.</summary>
    public TaskCompletionSource? NearlyDone { get; init; }

    /// <summary>Force-cancel of <paramref name="index"/>: kill the worker if it is running that item now, or when it gets there.</summary>
    public void Interrupt(int index)
    {
        if (Array.BinarySearch(items, index) < Volatile.Read(ref _next)) return;
        var interrupts = LazyInitializer.EnsureInitialized(ref _interrupts, () => new ConcurrentDictionary<int, byte>());
        interrupts[index] = 0;
        var next = Volatile.Read(ref _next);
        if (next < items.Length && items[next] == index) KillForInterrupt();
    }

    public async Task<SessionResult> RunAsync(CancellationToken cancellationToken)
    {
        using var span = JobTracing.StartSend(_worker.Pid, items.Length);
        try
        {
            return await SendAndReadAsync(span, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The session failed in the node itself: the worker may be half-way through a chunk, so its stream cannot
            // be trusted; and what it reported is written before the runner decides the fate of the rest.
            _worker.Kill();
            lease.Retire("failed", "its session failed in the node");
            if (_recorder is not null) await _recorder.CompleteAsync();
            throw;
        }
    }

    /// <summary>
    /// The next frames from the worker. While outcomes wait in the recorder for company, the read waits no longer than they
    /// may: then they are written, and the read goes on (an item slower than its neighbours holds back no earlier result).
    /// </summary>
    private async ValueTask<int> ReadAsync(OutcomeRecorder recorder, Memory<Frame> into, CancellationToken cancellationToken)
    {
        var reading = _worker.Output.ReadManyAsync(into, cancellationToken);
        if (reading.IsCompleted || recorder.HoldLeft is not { } left) return await reading;
        var read = reading.AsTask();
        if (left > TimeSpan.Zero) await Task.WhenAny(read, Task.Delay(left));
        if (!read.IsCompleted) await recorder.FlushAsync();
        return await read;
    }

    private async Task<SessionResult> SendAndReadAsync(Activity? span, CancellationToken cancellationToken)
    {
        _worker.TasksRun += items.Length;
        var writing = WriteChunksAsync(JobTracing.ContextFor(span, _spec.Id, isolated), cancellationToken);
        // Where the item now running began, as far as the worker said: the end of the last item that reported its start.
        var lastEnded = span?.StartTimeUtc ?? default;
        var end = SessionEnd.Completed;
        var detail = "";
        var batch = BatchSize(items.Length);
        var started = Stopwatch.GetTimestamp();
        var recorder = _recorder = new OutcomeRecorder(store, claim, batch, lifecycle, tally);
        var frames = ArrayPool<Frame>.Shared.Rent(batch);
        var functionTimings = _spec.Functions.Select(timings.For).ToArray();
        using var timeout = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            while (_next < items.Length)
            {
                if (_interrupts?.ContainsKey(items[_next]) == true) KillForInterrupt();
                // In an isolated send the next item starts when the previous result is out: its clock starts now.
                // In a batched send, results stream as they end: the clock is the time since the last one came.
                timeout.CancelAfter(itemTimeout);
                var count = await ReadAsync(recorder, frames.AsMemory(0, Math.Min(recorder.Room, items.Length - _next)), linked.Token);
                if (count == 0)
                {
                    end = SessionEnd.Crashed;
                    break;
                }
                var decoded = 0;
                try
                {
                    for (; decoded < count; decoded++)
                    {
                        var outcome = Decode(frames[decoded], items[_next], out var startedUnixMicros);
                        recorder.Add(outcome);
                        var slot = claim.Items.FunctionSlot(outcome.Index);
                        if (span is not null && startedUnixMicros != 0)
                        {
                            JobTracing.RecordItem(span, _spec.Functions[slot], new FutureId(_spec.Id, outcome.Index), outcome.WorkerPid,
                                startedUnixMicros, outcome.ElapsedMicros, outcome.Error);
                            lastEnded = DateTime.UnixEpoch.AddTicks((startedUnixMicros + outcome.ElapsedMicros) * 10);
                        }
                        functionTimings[slot].Observe(outcome.ElapsedMicros);
                        lifecycle.Metrics.ItemRan(_spec.Functions[slot], outcome.ElapsedMicros);
                        Volatile.Write(ref _next, _next + 1);
                    }
                }
                finally
                {
                    // What arrived together is recorded together (one lock, one wake-up per batch). An isolated send's
                    // result goes at once; a batched send's results gather while the previous write is under way.
                    // What was decoded is recorded even when a later frame of the batch breaks the protocol.
                    await (isolated ? recorder.FlushAsync() : recorder.FlushIfIdleAsync());
                }
                if (NearlyDone is { Task.IsCompleted: false } nearlyDone && EndsWithin(NearlyDoneLead, started)) nearlyDone.TrySetResult();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = SessionEnd.Stopping;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            end = SessionEnd.TimedOut;
        }
        catch (ProtocolException e)
        {
            end = SessionEnd.ProtocolBroken;
            detail = e.Message;
        }
        catch (IOException)
        {
            end = SessionEnd.Crashed;
        }
        finally
        {
            ArrayPool<Frame>.Shared.Return(frames, clearArray: true);
        }
        // Once every item is reported the worker is free for the next send while the last outcomes are written;
        // otherwise what is unreported can only be known once they are.
        var recorded = recorder.CompleteAsync();
        if (_next < items.Length) await recorded;
        if (_interrupted && end is SessionEnd.Crashed or SessionEnd.ProtocolBroken) end = SessionEnd.Interrupted;

        if (end != SessionEnd.Completed)
        {
            _worker.Kill();
            var (cause, reason) = end switch
            {
                SessionEnd.Crashed => ("crashed", "it died"),
                SessionEnd.ProtocolBroken => ("protocol_broken", "its output broke the protocol"),
                SessionEnd.TimedOut => ("timed_out", "an item timed out"),
                SessionEnd.Interrupted => ("interrupted", "a running item was force-cancelled"),
                _ => ("stopping", "the node is stopping"),
            };
            lease.Retire(cause, reason);
            if (end == SessionEnd.Crashed) detail = await _worker.DescribeEndAsync();
            // In an isolated send the item that never reported is known, and it is the one to follow: a timeout is the slowest item
            // of all. (In a batched send it is not known yet: the items are re-run isolated, where it will be.)
            if (span is not null && isolated && end != SessionEnd.Stopping && _next < items.Length)
                JobTracing.RecordLostItem(span, _spec.Functions[claim.Items.FunctionSlot(items[_next])], new FutureId(_spec.Id, items[_next]),
                    _worker.Pid, lastEnded, LostItemError(end), reason + (detail.Length > 0 ? $": {detail.Split('\n')[0]}" : ""));
        }
        await ObserveAsync(writing);
        var unreported = await store.UnfinishedAsync(claim, items[_next..], CancellationToken.None);
        return new SessionResult(end, unreported, _worker.Pid, detail, recorded);
    }

    /// <summary>How many outcomes of a send of <paramref name="items"/> items go to the store together (see <see cref="RecordBatch"/>).</summary>
    internal static int BatchSize(int items)
    {
        var batches = Math.Max(1, (int)Math.Round(items / (double)RecordBatch));
        return (items + batches - 1) / batches;
    }

    /// <summary>Whether the items not reported yet will be, at the pace of those that were since <paramref name="started"/>, within <paramref name="lead"/>.</summary>
    private bool EndsWithin(TimeSpan lead, long started) => _next > 0 && Stopwatch.GetElapsedTime(started) * (items.Length - _next) <= lead * _next;

    /// <param name="startedUnixMicros">When the item started, if the worker said (see <see cref="ChunkContext"/>); else 0.</param>
    private ItemOutcome Decode(Frame frame, int expected, out long startedUnixMicros)
    {
        var pid = _worker.Pid;
        switch (frame.Kind)
        {
            case FrameKind.Result:
                var result = ResultFrame.Decode(frame.Payload);
                Expect(result.Index, expected);
                startedUnixMicros = result.StartedUnixMicros;
                return new ItemOutcome(result.Index, OutcomeKind.Finished, result.Json, null, pid, result.ElapsedMicros);
            case FrameKind.Error:
                var error = ErrorFrame.Decode(frame.Payload.Span);
                Expect(error.Index, expected);
                startedUnixMicros = error.StartedUnixMicros;
                return new ItemOutcome(error.Index, OutcomeKind.Failed, default,
                    new FutureError(error.Type, error.Message, error.Traceback), pid, error.ElapsedMicros);
            default:
                throw new ProtocolException($"a worker sent a {frame.Kind} frame where an item's outcome belongs");
        }
    }

    /// <summary>The error type the runner gives the item (see UnitRunner.BlameAsync), or a cancel's.</summary>
    private static string LostItemError(SessionEnd end) => end switch
    {
        SessionEnd.TimedOut => "TimeoutError",
        SessionEnd.ProtocolBroken => "WorkerProtocolError",
        SessionEnd.Interrupted => "CancelledError",
        _ => "WorkerCrashed",
    };

    private static void Expect(int index, int expected)
    {
        if (index != expected) throw new ProtocolException($"the worker reported item {index} where item {expected} was due");
    }

    private async Task WriteChunksAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        try
        {
            // Sized to the send: a single-call job must not cost a 64 KB buffer.
            var frames = new FrameBuilder((int)Math.Min(WriteBuffer, 256L + items.Length * 32L));
            var chunksize = _spec.Plan.Chunksize;
            int count;
            for (var start = 0; start < items.Length; start += count)
            {
                // The job's own chunks (item index ÷ chunksize), also in a re-send after a crash: intake checked each of
                // them against the frame limit, while a run of chunksize items straddling two of them may be over it.
                var chunk = items[start] / chunksize;
                count = 1;
                while (start + count < items.Length && items[start + count] / chunksize == chunk) count++;
                var argumentBytes = 0L;
                for (var i = start; i < start + count; i++) argumentBytes += claim.Items[items[i]].Length;
                ChunkFrame.WriteHeader(frames, isolated, context, _spec.Functions, count, argumentBytes);
                for (var i = start; i < start + count; i++)
                {
                    var index = items[i];
                    ChunkFrame.WriteItem(frames, new ChunkItem(index, claim.Items.FunctionSlot(index), _spec.Spread, claim.Items[index]));
                    if (frames.Length < SendAt) continue;
                    await _worker.Input.WriteAsync(frames.Written, cancellationToken);
                    frames.Clear();
                }
            }
            await _worker.Input.WriteAsync(frames.Written, cancellationToken);
            await _worker.Input.FlushAsync(cancellationToken);
        }
        catch
        {
            // A write that fails (broken pipe: the worker died, also half-way through a large chunk)
            // must not leave the reader waiting for results that can never come.
            _worker.Kill();
            throw;
        }
    }

    private static async Task ObserveAsync(Task writing)
    {
        try
        {
            await writing;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The worker is gone; the reader has already said why.
        }
    }

    private void KillForInterrupt()
    {
        _interrupted = true;
        _worker.Kill();
    }
}
