using System.Net;
using System.Text.Json;

namespace JobService.Client.Executor;

/// <summary>
/// Submits calls as they come, and the calls that arrive while a <c>POST /jobs</c> is in flight together in the next one
/// (a submit with <c>calls</c>): one caller at a time pays one round trip, as before, and many concurrent callers share
/// round trips instead of queueing behind each other's. No timer: a lone call is never held back.
/// </summary>
internal sealed class SubmitBatcher(JobServiceClient client, CancellationToken lifetime)
{
    /// <summary>At most this many calls a POST; the service lists future IDs up to 1,000 in its answer.</summary>
    private const int MaxBatch = JobAccepted.MaxListedFutures;

    private readonly Lock _lock = new();
    private readonly Queue<PendingCall> _queue = new();
    private bool _sending;

    public Task<string> SubmitAsync(string function, JsonElement[] args, CancellationToken cancellationToken)
    {
        var call = new PendingCall(function, args, cancellationToken);
        bool start;
        lock (_lock)
        {
            _queue.Enqueue(call);
            start = !_sending;
            _sending = true;
        }
        // The caller that finds no POST in flight sends one now; whoever arrives meanwhile rides in the next.
        if (start) _ = SendLoopAsync();
        return call.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            List<PendingCall> batch;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _sending = false;
                    return;
                }
                batch = new List<PendingCall>(Math.Min(_queue.Count, MaxBatch));
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var call))
                    if (!call.CancellationToken.IsCancellationRequested) batch.Add(call);
                    else call.Completion.TrySetCanceled(call.CancellationToken);
            }
            if (batch.Count > 0) await SendAsync(batch);
        }
    }

    private async Task SendAsync(List<PendingCall> batch)
    {
        try
        {
            var request = batch.Count == 1
                ? new JobRequest(JobType.Submit, Function: batch[0].Function, Args: batch[0].Args)
                : new JobRequest(JobType.Submit, Calls: batch.Select(c => new CallRequest(c.Function, c.Args)).ToArray());
            var accepted = await client.CreateJobAsync(request, lifetime);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Completion.TrySetResult(accepted.FutureIds?[i] ?? $"{accepted.JobId}.{i}");
        }
        catch (JobServiceException error) when (batch.Count > 1 && error.Status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
        {
            // One bad call (an unknown function, a wrong argument) refuses the whole POST: halves are sent again, so the bad
            // call ends up alone with its own answer while the good ones still share round trips (log2 of the batch more).
            var half = batch.Count / 2;
            await SendAsync(batch[..half]);
            await SendAsync(batch[half..]);
        }
        catch (Exception error)
        {
            foreach (var call in batch) call.Completion.TrySetException(error);
        }
    }

    private sealed record PendingCall(string Function, JsonElement[] Args, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<string> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
