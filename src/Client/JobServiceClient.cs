using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using JobService.Client.Http;
using JobService.Client.Results;

namespace JobService.Client;

/// <summary>
/// Every endpoint of the JobService HTTP API, typed with the service's own wire records (JobService.Contracts). A typed
/// client: register it with <see cref="JobServiceClientExtensions.AddJobServiceClient"/>, or construct it over an
/// <see cref="HttpClient"/> configured with <see cref="Configure"/>. Any 4xx/5xx is thrown as a <see cref="JobServiceException"/>.
/// </summary>
public sealed class JobServiceClient
{
    private static readonly JsonSerializerOptions Json = WireJson.Options;

    /// <summary>A client over an <see cref="HttpClient"/> already pointed at the node (see <see cref="Configure"/>).</summary>
    public JobServiceClient(HttpClient http) => Http = http;

    /// <summary>The typed client's constructor: <c>IHttpClientFactory</c> hands in an HttpClient configured by <see cref="Configure"/>.</summary>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public JobServiceClient(HttpClient http, Microsoft.Extensions.Options.IOptions<JobServiceClientOptions> options)
        : this(http) => LongPoll = options.Value.LongPoll;

    public HttpClient Http { get; }

    /// <summary>The longest single long poll; see <see cref="JobServiceClientOptions.LongPoll"/>.</summary>
    public TimeSpan LongPoll { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Points <paramref name="http"/> at the node and signs it in with the API key, if any.</summary>
    public static void Configure(HttpClient http, JobServiceClientOptions options)
    {
        var address = options.BaseAddress ?? throw new ArgumentException("BaseAddress is required", nameof(options));
        // Requests use relative paths ("jobs"): a base with a path (http://host/jobservice) must end in '/' to keep it.
        http.BaseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(options.ApiKey))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        // Long polls stay under the default 100 s; a results stream is read after its headers, outside the timeout.
        if (http.Timeout < options.LongPoll + TimeSpan.FromSeconds(30)) http.Timeout = options.LongPoll + TimeSpan.FromSeconds(30);
    }

    /// <summary><c>POST /jobs</c>: a map or a submit.</summary>
    public async Task<JobAccepted> CreateJobAsync(JobRequest job, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync("jobs", job, Json, cancellationToken);
        return await ReadAsync<JobAccepted>(response, cancellationToken);
    }

    /// <summary><c>POST /jobs</c> with a body already encoded as UTF-8 JSON (a large map's items, written without a detour).</summary>
    public async Task<JobAccepted> CreateJobAsync(ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken = default)
    {
        using var content = new ReadOnlyMemoryContent(utf8Json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync("jobs", content, cancellationToken);
        return await ReadAsync<JobAccepted>(response, cancellationToken);
    }

    /// <summary><c>GET /jobs/{id}</c>.</summary>
    public async Task<JobView> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync($"jobs/{Uri.EscapeDataString(jobId)}", cancellationToken);
        return await ReadAsync<JobView>(response, cancellationToken);
    }

    /// <summary><c>GET /jobs?state&amp;limit</c>: recent jobs of this key, newest first.</summary>
    public async Task<JobList> ListJobsAsync(JobState? state = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (state is { } s) query.Add($"state={s.ToString().ToLowerInvariant()}");
        if (limit is { } l) query.Add($"limit={l}");
        using var response = await Http.GetAsync(query.Count == 0 ? "jobs" : $"jobs?{string.Join('&', query)}", cancellationToken);
        return await ReadAsync<JobList>(response, cancellationToken);
    }

    /// <summary><c>DELETE /jobs/{id}</c>: cancels every pending future (with <paramref name="force"/>, the running ones too).</summary>
    public async Task<JobCancelled> CancelJobAsync(string jobId, bool force = false, CancellationToken cancellationToken = default)
    {
        using var response = await Http.DeleteAsync($"jobs/{Uri.EscapeDataString(jobId)}{(force ? "?force=true" : "")}", cancellationToken);
        return await ReadAsync<JobCancelled>(response, cancellationToken);
    }

    /// <summary>
    /// <c>GET /jobs/{id}/results?shape=compact</c>: results in item order from <paramref name="offset"/>, streamed and parsed as
    /// they arrive (a million results are never one string). Each item waits up to <paramref name="wait"/> to end; an item
    /// still unfinished then comes back with a non-terminal state, and so do the ones after it.
    /// </summary>
    public async IAsyncEnumerable<ItemResult<T>> GetResultsAsync<T>(
        string jobId, int offset = 0, int? limit = null, TimeSpan? wait = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = await OpenCompactResultsAsync<T>(jobId, offset, limit, wait, cancellationToken);
        while (await stream.ReadBatchAsync(cancellationToken) is { Length: > 0 } batch)
            for (var i = 0; i < batch.Length; i++) yield return batch.Span[i];
    }

    /// <summary>
    /// <c>GET /jobs/{id}/results</c> as <c>application/x-ndjson</c>: one self-describing line per future, in item order or in the
    /// order the futures ended (<see cref="ResultOrder.Completed"/>, as <c>as_completed</c>), streamed.
    /// </summary>
    public async IAsyncEnumerable<ResultLine> GetResultLinesAsync(
        string jobId, ResultOrder order = ResultOrder.Submitted, int offset = 0, int? limit = null, TimeSpan? wait = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var url = ResultsUrl(jobId, "ndjson", offset, limit, wait) + (order == ResultOrder.Completed ? "&order=completed" : "");
        using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await Problems.EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var line in JsonSerializer.DeserializeAsyncEnumerable<ResultLine>(body, topLevelValues: true, Json, cancellationToken))
            if (line is not null) yield return line;
    }

    /// <summary>The compact results as a stream of parsed batches, for readers that want them without a per-item hop.</summary>
    internal async Task<CompactResultsStream<T>> OpenCompactResultsAsync<T>(
        string jobId, int offset, int? limit, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var response = await Http.GetAsync(ResultsUrl(jobId, "compact", offset, limit, wait), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            await Problems.EnsureSuccessAsync(response, cancellationToken);
            return new CompactResultsStream<T>(jobId, offset, response, await response.Content.ReadAsStreamAsync(cancellationToken), Json);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary><c>GET /futures/{id}?wait=S</c>: the future, as soon as it is terminal or after <paramref name="wait"/>.</summary>
    public async Task<FutureView> GetFutureAsync(string futureId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var url = $"futures/{Uri.EscapeDataString(futureId)}" + (wait is { } w ? $"?wait={Seconds(w)}" : "");
        using var response = await Http.GetAsync(url, cancellationToken);
        return await ReadAsync<FutureView>(response, cancellationToken);
    }

    /// <summary>
    /// <c>DELETE /futures/{id}</c>, as <c>Future.cancel()</c>: a pending future is cancelled; a running or done one is not
    /// (the service's 409 comes back as <c>Cancelled = false</c>) unless <paramref name="force"/> kills its worker.
    /// </summary>
    public async Task<FutureCancelled> CancelFutureAsync(string futureId, bool force = false, CancellationToken cancellationToken = default)
    {
        using var response = await Http.DeleteAsync($"futures/{Uri.EscapeDataString(futureId)}{(force ? "?force=true" : "")}", cancellationToken);
        if (response.StatusCode != HttpStatusCode.Conflict) return await ReadAsync<FutureCancelled>(response, cancellationToken);
        // The refusal is a ProblemDetails carrying the future's state beside it.
        using var problem = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        var state = problem.RootElement.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String
            ? s.Deserialize<FutureState>(Json)
            : FutureState.Running;
        return new FutureCancelled(futureId, false, state);
    }

    /// <summary><c>POST /futures/wait</c>, as <c>concurrent.futures.wait</c>.</summary>
    public async Task<WaitResponse> WaitAsync(WaitRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync("futures/wait", request, Json, cancellationToken);
        return await ReadAsync<WaitResponse>(response, cancellationToken);
    }

    /// <summary><c>GET /functions</c>: the catalog this node runs.</summary>
    public async Task<IReadOnlyList<FunctionDescriptor>> GetFunctionsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync("functions", cancellationToken);
        return await ReadAsync<FunctionDescriptor[]>(response, cancellationToken);
    }

    internal static string Seconds(TimeSpan wait) =>
        Math.Max(0, wait.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);

    private static string ResultsUrl(string jobId, string shape, int offset, int? limit, TimeSpan? wait) =>
        $"jobs/{Uri.EscapeDataString(jobId)}/results?shape={shape}&offset={offset}"
        + (limit is { } l ? $"&limit={l}" : "")
        + (wait is { } w ? $"&wait={Seconds(w)}" : "");

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await Problems.EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new JsonException($"{response.RequestMessage?.RequestUri} answered an empty body");
    }
}
