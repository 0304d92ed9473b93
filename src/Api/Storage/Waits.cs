namespace JobService.Api.Storage;

public static class Waits
{
    /// <summary>Waits for the task or the timeout, whichever comes first; only cancellation throws. The caller looks again either way.</summary>
    public static async Task OrTimeoutAsync(this Task task, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nothing happened in time: the caller looks again anyway.
        }
    }
}
