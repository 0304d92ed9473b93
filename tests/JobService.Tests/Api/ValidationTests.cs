using System.Net;
using System.Net.Http.Json;
using System.Text;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

/// <summary>Bad input gets a 4xx ProblemDetails that names what to fix; nothing a client sends is a 5xx.</summary>
[Collection("service")]
public sealed class ValidationTests(ServiceFixture service)
{
    private const string UnknownJobId = "0123456789abcdef01234567";
    private HttpClient Client => service.Client;

    [Fact(Timeout = Timeouts.Test)]
    public async Task InvalidJsonIsABadRequestThatSaysWhere()
    {
        using var response = await Client.PostAsync("/jobs", new StringContent("{\"type\": \"map\", \"items\": [1, 2,", Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", problem.GetProperty("title").GetString());
        Assert.Contains("LineNumber", problem.GetProperty("detail").GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task BodyThatIsNotAnObjectIsABadRequest()
    {
        var errors = await PostInvalidAsync("[1, 2, 3]");
        Assert.Contains("$", errors.Keys);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownTypeIsABadRequestNamingTheTypes()
    {
        var errors = await PostInvalidAsync(new { type = "reduce", function = "fib", items = new[] { 1 } });
        Assert.Contains("\"map\" or \"submit\"", errors["type"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MissingTypeIsABadRequest()
    {
        var errors = await PostInvalidAsync(new { function = "fib", items = new[] { 1 } });
        Assert.Contains("type is required", errors["type"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownFunctionIsABadRequestNamingIt()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "rm_rf", items = new[] { 1 } });
        Assert.Contains("unknown function 'rm_rf'", errors["function"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MissingItemsOfAMapIsABadRequest()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "fib" });
        Assert.Contains("items is required", errors["items"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WrongArgumentCountOfASubmitIsABadRequest()
    {
        var errors = await PostInvalidAsync(new { type = "submit", function = "fib", args = new[] { 1, 2 } });
        Assert.Contains("takes 1 arguments, 2 given", errors["args"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WrongArgumentCountInACallOfABatchNamesTheCall()
    {
        var errors = await PostInvalidAsync(new { type = "submit", calls = new object[] { new { function = "fib", args = new[] { 1 } }, new { function = "add", args = new[] { 1 } } } });
        Assert.Contains("calls[1].args", errors.Keys);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task MapItemOfTheWrongLengthForASeveralParameterFunctionIsABadRequest()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "add", items = new object[] { new[] { 1, 2 }, new[] { 3 } } });
        Assert.Equal(["items[1]"], errors.Keys);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task NonPositiveChunksizeIsABadRequest(int chunksize)
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "fib", items = new[] { 1 }, chunksize });
        Assert.Contains("positive integer", errors["chunksize"][0]);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(0)]
    [InlineData(-2.5)]
    public async Task NonPositiveTimeoutIsABadRequest(double timeoutSeconds)
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "fib", items = new[] { 1 }, timeoutSeconds });
        Assert.Contains("positive number", errors["timeoutSeconds"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownQueueIsABadRequestListingTheQueues()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "fib", items = new[] { 1 }, queue = "nope" });
        Assert.Contains("default", errors["queue"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownFieldIsABadRequestListingTheFields()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "fib", items = new[] { 1 }, chunk_size = 3 });
        Assert.Contains("chunksize", errors["chunk_size"][0]);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task EveryProblemOfARequestIsListedAtOnce()
    {
        var errors = await PostInvalidAsync(new { type = "map", function = "nope", items = new[] { 1 }, chunksize = 0, retries = -1 });
        Assert.Equal(["chunksize", "function", "retries"], errors.Keys.Order());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WrongArgumentTypeInsideAnItemFailsOnlyThatItem()
    {
        var job = await Client.MapAsync("fib", [10, "ten", 12]);

        var page = await Client.ResultsAsync(job.JobId);

        Assert.Equal([FutureState.Finished, FutureState.Failed, FutureState.Finished], page.Results.Select(r => r.State));
        Assert.Equal("TypeError", page.Results[1].Error!.Type);
        Assert.Contains("argument 'n' must be integer", page.Results[1].Error!.Message);
        Assert.Equal(144, page.Results[2].Result!.Value.GetInt64());
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData("abc")]
    [InlineData(UnknownJobId)]
    [InlineData(UnknownJobId + ".x")]
    [InlineData(UnknownJobId + ".-1")]
    [InlineData(UnknownJobId + ".01")]
    [InlineData("0123456789ABCDEF01234567.0")]
    public async Task MalformedFutureIdIsABadRequest(string id)
    {
        using var response = await Client.GetAsync($"/futures/{id}");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("{jobId}.{index}", problem.GetProperty("errors").GetProperty("id")[0].GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownFutureIsNotFound()
    {
        using var response = await Client.GetAsync($"/futures/{UnknownJobId}.0");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task FutureIndexPastTheLastItemIsNotFound()
    {
        var job = await Client.CallAsync("echo", 1);
        using var response = await Client.GetAsync($"/futures/{job.JobId}.1");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData("GET", "/jobs/" + UnknownJobId)]
    [InlineData("GET", "/jobs/" + UnknownJobId + "/results")]
    [InlineData("DELETE", "/jobs/" + UnknownJobId)]
    [InlineData("DELETE", "/futures/" + UnknownJobId + ".3")]
    public async Task UnknownJobIsNotFound(string method, string url)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData("/jobs/not-a-job")]
    [InlineData("/futures/{job}.0?wait=-1")]
    [InlineData("/futures/{job}.0?wait=soon")]
    [InlineData("/jobs/{job}/results?order=sideways")]
    [InlineData("/jobs/{job}/results?offset=-3")]
    [InlineData("/jobs/{job}/results?limit=0")]
    [InlineData("/jobs?state=sleeping")]
    [InlineData("/jobs?limit=100000")]
    public async Task BadQueryOrRouteValuesAreBadRequests(string url)
    {
        var job = await Client.CallAsync("echo", 1);
        using var response = await Client.GetAsync(url.Replace("{job}", job.JobId));
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task UnknownRouteIsAProblemToo()
    {
        using var response = await Client.GetAsync("/nothing-here");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitWithoutFutureIdsIsABadRequest()
    {
        using var response = await Client.PostAsJsonAsync("/futures/wait", new { futureIds = Array.Empty<string>() });
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitWithAnUnknownReturnWhenIsABadRequest()
    {
        var job = await Client.CallAsync("echo", 1);
        using var response = await Client.PostAsJsonAsync("/futures/wait", new { futureIds = job.FutureIds, returnWhen = "WHENEVER" });
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("FIRST_COMPLETED", problem.GetProperty("errors").GetProperty("returnWhen")[0].GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task WaitWithAnUnknownFieldIsABadRequestNamingIt()
    {
        var job = await Client.CallAsync("echo", 1);
        using var response = await Client.PostAsJsonAsync("/futures/wait", new { futureIds = job.FutureIds, timeout = 5 });
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var message = problem.GetProperty("errors").GetProperty("timeout")[0].GetString();
        Assert.Contains("timeoutSeconds", message);
        Assert.DoesNotContain("JobService.", message);
    }

    private async Task<Dictionary<string, string[]>> PostInvalidAsync(object body)
    {
        using HttpContent content = body is string text
            ? new StringContent(text, Encoding.UTF8, "application/json")
            : JsonContent.Create(body, options: JobApi.Json);
        using var response = await Client.PostAsync("/jobs", content);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }
}
