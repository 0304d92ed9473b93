// Not part of the test project's build: GeneratedClientTests compiles this file together with the C# client that NSwag
// generates from the served OpenAPI document, so it uses only what the document tells a client (Generated.*).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace Generated;

public static class TutorialDriver
{
    /// <summary>Tutorial §1, <c>executor.map(fib, range(15, 32))</c>: the results in item order.</summary>
    public static async Task<long[]> MapFibAsync(HttpClient http)
    {
        var client = new JobServiceClient(http);
        var job = await client.CreateJobAsync(new JobRequest { Type = JobType.Map, Function = "fib", Items = Enumerable.Range(15, 17).Cast<object>().ToList() });
        var page = await client.GetJobResultsAsync(job.JobId, ResultOrder.Submitted, null, null, 60, null);
        return page.Results.Select(r => r.State == FutureState.Finished ? Integer(r.Result) : throw new InvalidOperationException($"item {r.Index} is {r.State}")).ToArray();
    }

    /// <summary>
    /// Tutorial §2, <c>{executor.submit(fib_checked, n): n}</c> then <c>as_completed</c>: one submit per n, then
    /// <c>wait(FIRST_COMPLETED)</c> until none is pending, reading each future as it is done. Lines "n=fib(n)" or "n!message".
    /// </summary>
    public static async Task<string[]> SubmitFibCheckedAsCompletedAsync(HttpClient http)
    {
        var client = new JobServiceClient(http);
        var numbers = new Dictionary<string, int>();
        foreach (var n in Enumerable.Range(15, 17))
        {
            var job = await client.CreateJobAsync(new JobRequest { Type = JobType.Submit, Function = "fib_checked", Args = [n] });
            numbers[job.FutureIds.Single()] = n;
        }
        var lines = new List<string>();
        var pending = numbers.Keys.ToList();
        while (pending.Count > 0)
        {
            var wait = await client.WaitFuturesAsync(new WaitRequest { FutureIds = pending, ReturnWhen = ReturnWhen.FIRST_COMPLETED, TimeoutSeconds = 120 });
            foreach (var id in wait.Done)
            {
                var future = await client.GetFutureAsync(id, null);
                lines.Add(future.State switch
                {
                    FutureState.Finished => $"{numbers[id]}={Integer(future.Result)}",
                    FutureState.Failed => $"{numbers[id]}!{future.Error.Type}: {future.Error.Message}",
                    _ => throw new InvalidOperationException($"{id} is done but {future.State}"),
                });
            }
            pending = wait.NotDone.ToList();
        }
        return lines.ToArray();
    }

    /// <summary>
    /// Tutorial §3, <c>executor.map(f, NUMBERS, chunksize=chunksize)</c> over 1..99,999 with the tutorial's chunksize
    /// (len / (4 × workers), rounded up): every result in item order.
    /// </summary>
    public static async Task<double[]> MapPowerSumAsync(HttpClient http, int workers)
    {
        var client = new JobServiceClient(http);
        const int count = 99_999;
        var chunksize = (count + 4 * workers - 1) / (4 * workers);
        var job = await client.CreateJobAsync(new JobRequest
        {
            Type = JobType.Map, Function = "power_sum", Items = Enumerable.Range(1, count).Cast<object>().ToList(), Chunksize = chunksize,
        });
        if (job.Chunksize != chunksize || job.Count != count) throw new InvalidOperationException($"accepted {job.Count} items in chunks of {job.Chunksize}");
        var page = await client.GetJobResultsAsync(job.JobId, ResultOrder.Submitted, null, null, 120, null);
        return page.Results.Select(r => r.State == FutureState.Finished ? Number(r.Result) : throw new InvalidOperationException($"item {r.Index} is {r.State}")).ToArray();
    }

    // `result` is any JSON: the generator's JSON library decides what object it is.
    private static long Integer(object? value) => value switch
    {
        JsonElement e => e.GetInt64(),
        IConvertible c => c.ToInt64(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"not an integer: {value}"),
    };

    private static double Number(object? value) => value switch
    {
        JsonElement e => e.GetDouble(),
        IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"not a number: {value}"),
    };
}
