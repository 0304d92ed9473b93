using System.Collections;
using System.Net;
using System.Runtime.CompilerServices;
using JobService.Client.Executor;

namespace JobService.Client;

/// <summary>
/// <c>concurrent.futures</c> over HTTP: the functions of a JobService node's catalog, named by string, run in its worker
/// processes. <see cref="SubmitAsync(string, object?[])"/> returns a <see cref="JobFuture"/>; <see cref="MapAsync{T}"/> streams
/// results in item order and throws the remote error at its item; <see cref="AsCompletedAsync"/> and <see cref="WaitAsync"/>
/// work over any futures. Concurrent submits share round trips (one <c>POST /jobs</c> with <c>calls</c>).
/// </summary>
public sealed class JobServiceExecutor : IAsyncDisposable, IDisposable
{
    private readonly HttpClient? _ownHttp;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SubmitBatcher _submits;

    /// <summary>An executor over a client from DI (<see cref="JobServiceClientExtensions.AddJobServiceClient"/>).</summary>
    public JobServiceExecutor(JobServiceClient client)
    {
        Client = client;
        _submits = new SubmitBatcher(client, _lifetime.Token);
    }

    /// <summary>An executor with its own connection pool, as <c>JobServiceExecutor(base_url, api_key)</c> in Python.</summary>
    public JobServiceExecutor(string baseAddress, string? apiKey = null) : this(new Uri(baseAddress), apiKey)
    {
    }

    /// <inheritdoc cref="JobServiceExecutor(string, string?)"/>
    public JobServiceExecutor(Uri baseAddress, string? apiKey = null) : this(OwnClient(baseAddress, apiKey, out var http)) => _ownHttp = http;

    public JobServiceClient Client { get; }

    /// <summary><c>executor.submit("fib", 30)</c>: one call of a catalog function with positional arguments.</summary>
    public Task<JobFuture> SubmitAsync(string function, params object?[] args) => SubmitAsync(function, args, CancellationToken.None);

    /// <inheritdoc cref="SubmitAsync(string, object?[])"/>
    public async Task<JobFuture> SubmitAsync(string function, IReadOnlyList<object?> args, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        var id = await _submits.SubmitAsync(function, ItemsWriter.Arguments(args), cancellationToken);
        return new JobFuture(Client, id);
    }

    /// <summary>A future of any job by its ID (<c>{jobId}.{index}</c>), e.g. an item of a map, to wait on or cancel.</summary>
    public JobFuture Future(string futureId) => new(Client, futureId);

    /// <summary>
    /// <c>executor.map("fib", items, chunksize=…)</c>: one map job, posted now; its results in item order as they stream in.
    /// At a failed item the remote error is thrown (<see cref="RemoteException"/>), at a cancelled one
    /// <see cref="FutureCancelledException"/>; <paramref name="timeout"/> counts from this call (<see cref="TimeoutException"/>).
    /// An item that is an array is spread over a function of several parameters. Stopping early cancels the rest of the job.
    /// </summary>
    public IAsyncEnumerable<T> MapAsync<T>(
        string function, IEnumerable items, int? chunksize = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentNullException.ThrowIfNull(items);
        if (chunksize < 1) throw new ArgumentOutOfRangeException(nameof(chunksize), "chunksize must be >= 1");
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        var deadline = Deadline(timeout);
        // Posted at once, as Executor.map submits before the first next(); read when enumerated.
        var posted = Client.CreateJobAsync(ItemsWriter.MapBody(function, items, chunksize, null), cancellationToken);
        return ReadMapAsync<T>(posted, deadline, timeout, cancellationToken);
    }

    private async IAsyncEnumerable<T> ReadMapAsync<T>(
        Task<JobAccepted> posted, DateTimeOffset? deadline, TimeSpan? timeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var job = await posted;
        var offset = 0; // every item before it has been handed out
        try
        {
            while (offset < job.Count)
            {
                await using (var stream = await Client.OpenCompactResultsAsync<T>(job.JobId, offset, null, Poll(deadline), cancellationToken))
                {
                    var stalled = false;
                    while (!stalled && await stream.ReadBatchAsync(cancellationToken) is { Length: > 0 } batch)
                    {
                        for (var i = 0; i < batch.Length; i++)
                        {
                            var item = batch.Span[i];
                            switch (item.State)
                            {
                                case FutureState.Finished:
                                    offset++;
                                    yield return item.Value!;
                                    break;
                                case FutureState.Failed:
                                    throw RemoteException.From(item.Error, $"{job.JobId}.{item.Index}");
                                case FutureState.Cancelled:
                                    throw new FutureCancelledException($"{job.JobId}.{item.Index}");
                                default:
                                    stalled = true; // the long poll ran out here: ask again from this item
                                    break;
                            }
                            if (stalled) break;
                        }
                    }
                }
                if (offset < job.Count && deadline is { } end && DateTimeOffset.UtcNow >= end)
                    throw new TimeoutException($"map results not ready within {timeout!.Value.TotalSeconds:0.###} s (item {offset} of job {job.JobId})");
            }
        }
        finally
        {
            // As Executor.map cancels what is left when its caller stops early or it raises; the items before offset have ended.
            if (offset < job.Count) await CancelQuietlyAsync(job.JobId);
        }
    }

    /// <summary>
    /// <c>concurrent.futures.as_completed</c>: each future as it ends (those already done first), by long polls of
    /// <c>POST /futures/wait</c> (FIRST_COMPLETED) over the ones still pending. <see cref="TimeoutException"/> when
    /// <paramref name="timeout"/> passes with futures unfinished.
    /// </summary>
    public async IAsyncEnumerable<JobFuture> AsCompletedAsync(
        IEnumerable<JobFuture> futures, TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        var pending = new Dictionary<string, JobFuture>();
        var total = 0;
        foreach (var future in futures)
        {
            if (!pending.TryAdd(future.Id, future)) continue;
            total++;
            if (future.Done)
            {
                pending.Remove(future.Id);
                yield return future;
            }
        }
        while (pending.Count > 0)
        {
            if (Left(deadline) <= TimeSpan.Zero)
                throw new TimeoutException($"{pending.Count} (of {total}) futures unfinished");
            foreach (var done in await WaitRoundAsync(pending, ReturnWhen.FirstCompleted, deadline, cancellationToken))
                yield return done;
        }
    }

    /// <summary>
    /// <c>concurrent.futures.wait</c>: returns when <paramref name="returnWhen"/> holds or <paramref name="timeout"/> passes
    /// (null: no limit), with the futures that are done and those that are not.
    /// </summary>
    public async Task<WaitResult> WaitAsync(
        IEnumerable<JobFuture> futures, ReturnWhen returnWhen = ReturnWhen.AllCompleted, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        var all = futures.DistinctBy(f => f.Id).ToList();
        var pending = all.Where(f => !f.Done).ToDictionary(f => f.Id);
        while (!Holds(returnWhen, all, pending))
        {
            if (Left(deadline) <= TimeSpan.Zero) break;
            var done = await WaitRoundAsync(pending, returnWhen, deadline, cancellationToken);
            // FIRST_EXCEPTION is decided by the states of what ended: read them (a GET each, answered at once).
            if (returnWhen == ReturnWhen.FirstException)
                foreach (var future in done) await future.RefreshAsync(cancellationToken);
        }
        return new WaitResult(all.Where(f => f.Done).ToHashSet(), all.Where(f => !f.Done).ToHashSet());
    }

    private static bool Holds(ReturnWhen returnWhen, List<JobFuture> all, Dictionary<string, JobFuture> pending) => returnWhen switch
    {
        _ when pending.Count == 0 => true,
        ReturnWhen.FirstCompleted => pending.Count < all.Count,
        ReturnWhen.FirstException => all.Any(f => f.State == FutureState.Failed),
        _ => false,
    };

    /// <summary>One long poll over the pending futures; takes the ones that ended out of <paramref name="pending"/> and returns them.</summary>
    private async Task<List<JobFuture>> WaitRoundAsync(
        Dictionary<string, JobFuture> pending, ReturnWhen returnWhen, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var ended = new List<JobFuture>();
        try
        {
            var answer = await Client.WaitAsync(new WaitRequest([.. pending.Keys], returnWhen, Poll(deadline).TotalSeconds), cancellationToken);
            foreach (var id in answer.Done)
                if (pending.Remove(id, out var future))
                {
                    future.MarkDone();
                    ended.Add(future);
                }
        }
        catch (JobServiceException error) when (error.Status == HttpStatusCode.NotFound)
        {
            // One of them is unknown now (its job expired, so it had ended): settle each on its own.
            foreach (var future in pending.Values.ToList())
            {
                try
                {
                    await future.RefreshAsync(cancellationToken);
                }
                catch (JobServiceException lost) when (lost.Status == HttpStatusCode.NotFound)
                {
                    future.MarkLost(lost);
                }
                if (!future.Done) continue;
                pending.Remove(future.Id);
                ended.Add(future);
            }
        }
        return ended;
    }

    private static DateTimeOffset? Deadline(TimeSpan? timeout) => timeout is { } t ? DateTimeOffset.UtcNow + t : null;

    private static TimeSpan? Left(DateTimeOffset? deadline) => deadline is { } d ? d - DateTimeOffset.UtcNow : null;

    /// <summary>How long one long poll may wait: the client's long poll, cut to what is left of the deadline.</summary>
    private TimeSpan Poll(DateTimeOffset? deadline) =>
        Left(deadline) is { } left && left < Client.LongPoll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : Client.LongPoll;

    private async Task CancelQuietlyAsync(string jobId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Client.CancelJobAsync(jobId, force: false, timeout.Token);
        }
        catch (Exception error) when (error is JobServiceException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort, as Python's map: the job's remaining items still run to the end if this fails.
        }
    }

    private static JobServiceClient OwnClient(Uri baseAddress, string? apiKey, out HttpClient http)
    {
        var options = new JobServiceClientOptions { BaseAddress = baseAddress, ApiKey = apiKey };
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        JobServiceClient.Configure(http, options);
        return new JobServiceClient(http) { LongPoll = options.LongPoll };
    }

    /// <summary>Refuses new calls; futures already submitted go on on the service. Disposes the connection pool it made itself.</summary>
    public void Dispose()
    {
        if (_lifetime.IsCancellationRequested) return;
        _lifetime.Cancel();
        _ownHttp?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
