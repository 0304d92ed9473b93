using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using JobService.Api.Futures;
using JobService.Api.Jobs;

namespace JobService.Tests.Infrastructure;

/// <summary>The calls a client makes, typed with the service's own wire records.</summary>
public static class JobApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<JobAccepted> SubmitAsync(this HttpClient client, object job)
    {
        using var response = await client.PostAsJsonAsync("/jobs", job, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /jobs answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<JobAccepted>(body, Json)!;
    }

    public static Task<JobAccepted> MapAsync(this HttpClient client, string function, IEnumerable<object> items, object? options = null) =>
        client.SubmitAsync(Merge(new Dictionary<string, object?> { ["type"] = "map", ["function"] = function, ["items"] = items.ToArray() }, options));

    public static Task<JobAccepted> CallAsync(this HttpClient client, string function, params object[] args) =>
        client.SubmitAsync(new { type = "submit", function, args });

    public static async Task<FutureView> FutureAsync(this HttpClient client, string futureId, double waitSeconds = 0) =>
        await client.GetOk<FutureView>($"/futures/{futureId}?wait={waitSeconds}");

    /// <summary>Polls the future until it is in <paramref name="state"/> (for a minute at most).</summary>
    public static async Task WaitForStateAsync(this HttpClient client, string futureId, FutureState state)
    {
        for (var i = 0; i < 1200; i++)
        {
            if ((await client.FutureAsync(futureId)).State == state) return;
            await Task.Delay(50);
        }
        Assert.Fail($"future {futureId} never became {state}");
    }

    public static async Task<JobView> JobAsync(this HttpClient client, string jobId) =>
        await client.GetOk<JobView>($"/jobs/{jobId}");

    public static async Task<ResultsPage> ResultsAsync(this HttpClient client, string jobId, string query = "wait=120") =>
        await client.GetOk<ResultsPage>($"/jobs/{jobId}/results?{query}");

    public static async Task<T> GetOk<T>(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }

    /// <summary>Asserts an RFC 7807 answer with the status, and returns its JSON.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> job, object? options)
    {
        if (options is null) return job;
        foreach (var property in JsonSerializer.SerializeToElement(options, Json).EnumerateObject())
            job[property.Name] = property.Value;
        return job;
    }
}
