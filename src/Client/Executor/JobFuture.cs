using System.Net;
using System.Text.Json;

namespace JobService.Client;

/// <summary>
/// One remote call, as <c>concurrent.futures.Future</c>: await its result with a timeout (<see cref="GetResultAsync{T}"/>),
/// cancel it (<see cref="CancelAsync"/>), or hand it to <see cref="JobServiceExecutor.AsCompletedAsync"/> and
/// <see cref="JobServiceExecutor.WaitAsync"/>. <see cref="State"/> and <see cref="Done"/> are what this client last heard;
/// <see cref="RefreshAsync"/> asks again. A terminal answer is kept: it never changes on the service either.
/// </summary>
public sealed class JobFuture
{
    private readonly JobServiceClient _client;
    private volatile FutureView? _view;
    private volatile JobServiceException? _lost;
    private volatile bool _done;

    internal JobFuture(JobServiceClient client, string id)
    {
        _client = client;
        Id = id;
        var dot = id.LastIndexOf('.');
        JobId = dot > 0 ? id[..dot] : id;
        Index = dot > 0 && int.TryParse(id.AsSpan(dot + 1), out var index) ? index : 0;
    }

    /// <summary><c>{jobId}.{index}</c>.</summary>
    public string Id { get; }

    public string JobId { get; }

    public int Index { get; }

    /// <summary>The state this client last heard (pending until it has heard anything).</summary>
    public FutureState State => _view?.State ?? FutureState.Pending;

    /// <summary>Finished, failed or cancelled, as far as this client knows (a wait that said so counts).</summary>
    public bool Done => _done || State.IsTerminal();

    /// <summary>The last answer of <c>GET /futures/{id}</c>, with attempts, timestamps and worker pid.</summary>
    public FutureView? View => _view;

    /// <summary>
    /// The result, once the future has ended (<c>Future.result(timeout)</c>): long polls <c>GET /futures/{id}?wait</c>. Throws
    /// <see cref="RemoteException"/> when the function raised, <see cref="FutureCancelledException"/> when cancelled, and
    /// <see cref="TimeoutException"/> when <paramref name="timeout"/> passes first (the future goes on).
    /// </summary>
    public async Task<T> GetResultAsync<T>(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var view = await WaitTerminalAsync(timeout, cancellationToken);
        return view.State switch
        {
            FutureState.Finished => view.Result is { } result ? result.Deserialize<T>(WireJson.Options)! : default!,
            FutureState.Failed => throw RemoteException.From(view.Error, Id),
            _ => throw new FutureCancelledException(Id),
        };
    }

    /// <summary>The remote error, or null when the future finished (<c>Future.exception(timeout)</c>).</summary>
    public async Task<RemoteException?> GetExceptionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var view = await WaitTerminalAsync(timeout, cancellationToken);
        return view.State switch
        {
            FutureState.Finished => null,
            FutureState.Failed => RemoteException.From(view.Error, Id),
            _ => throw new FutureCancelledException(Id),
        };
    }

    /// <summary>
    /// <c>Future.cancel()</c>: true when the future is cancelled now. A running or done future is not cancelled (false), unless
    /// <paramref name="force"/> kills the worker running it.
    /// </summary>
    public async Task<bool> CancelAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        if (Done && !force) return State == FutureState.Cancelled;
        try
        {
            var answer = await _client.CancelFutureAsync(Id, force, cancellationToken);
            if (answer.Cancelled) Remember(answer.State);
            return answer.Cancelled;
        }
        catch (JobServiceException error) when (error.Status == HttpStatusCode.NotFound)
        {
            return false; // expired with its job: long done
        }
    }

    /// <summary>Asks the service where the future stands now.</summary>
    public async Task<FutureState> RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (_view is { } known && known.State.IsTerminal()) return known.State;
        _view = await _client.GetFutureAsync(Id, null, cancellationToken);
        return _view.State;
    }

    public override string ToString() => $"JobFuture {Id} ({State.ToString().ToLowerInvariant()})";

    internal void MarkDone() => _done = true;

    /// <summary>The service no longer knows this future (its job expired): every read of it throws this.</summary>
    internal void MarkLost(JobServiceException error)
    {
        _lost = error;
        _done = true;
    }

    private void Remember(FutureState state)
    {
        if (state.IsTerminal()) _done = true;
        if (state == FutureState.Cancelled && _view is null)
            _view = new FutureView(Id, JobId, Index, "", state, null, null, 0, DateTimeOffset.UtcNow, null, null, null);
    }

    private async Task<FutureView> WaitTerminalAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = timeout is { } t ? DateTimeOffset.UtcNow + t : (DateTimeOffset?)null;
        while (true)
        {
            if (_lost is { } lost) throw lost;
            if (_view is { } known && known.State.IsTerminal()) return known;
            var wait = _client.LongPoll;
            if (deadline is { } d)
            {
                var left = d - DateTimeOffset.UtcNow;
                if (left < wait) wait = left < TimeSpan.Zero ? TimeSpan.Zero : left;
            }
            var view = await _client.GetFutureAsync(Id, wait, cancellationToken);
            _view = view;
            if (view.State.IsTerminal()) return view;
            if (deadline is { } end && DateTimeOffset.UtcNow >= end)
                throw new TimeoutException($"future {Id} did not end within {timeout!.Value.TotalSeconds:0.###} s (it is {view.State.ToString().ToLowerInvariant()})");
        }
    }
}
