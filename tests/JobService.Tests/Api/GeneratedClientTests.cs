using System.Collections.Concurrent;
using JobService.Tests.Infrastructure;
using NJsonSchema.CodeGeneration.CSharp;

namespace JobService.Tests.Api;

/// <summary>
/// A client that NSwag generates from the document a node serves runs the tutorial's three examples: whatever in the
/// document does not match the wire (an enum's type, a nullable field, a response's schema) breaks it here.
/// </summary>
[Collection("service")]
public sealed class GeneratedClientTests(ServiceFixture service)
{
    private static readonly string Driver = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Api", "GeneratedClient", "TutorialDriver.cs"));

    /// <summary>One generation and compilation per JSON library: the document is the same for every test.</summary>
    private static readonly ConcurrentDictionary<CSharpJsonLibrary, Task<GeneratedClient>> Clients = new();

    private Task<GeneratedClient> ClientAsync(CSharpJsonLibrary json) =>
        Clients.GetOrAdd(json, library => GeneratedClient.FromServedDocumentAsync(service.Client, library, Driver));

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(CSharpJsonLibrary.NewtonsoftJson)]
    [InlineData(CSharpJsonLibrary.SystemTextJson)]
    public async Task GeneratedClientMapsFibInItemOrder(CSharpJsonLibrary json)
    {
        var client = await ClientAsync(json);

        var results = await client.RunAsync<long[]>("TutorialDriver", "MapFibAsync", service.Client);

        Assert.Equal([610, 987, 1597, 2584, 4181, 6765, 10946, 17711, 28657, 46368, 75025, 121393, 196418, 317811, 514229, 832040, 1346269], results);
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(CSharpJsonLibrary.NewtonsoftJson)]
    [InlineData(CSharpJsonLibrary.SystemTextJson)]
    public async Task GeneratedClientSubmitsFibCheckedAndReadsEachFutureAsItCompletes(CSharpJsonLibrary json)
    {
        var client = await ClientAsync(json);

        var lines = await client.RunAsync<string[]>("TutorialDriver", "SubmitFibCheckedAsCompletedAsync", service.Client);

        var expected = Enumerable.Range(15, 16).Select(n => $"{n}={Fib(n)}").Append("31!Exception: fib must less than 31");
        Assert.Equal(expected.Order(), lines.Order());
    }

    [Theory(Timeout = Timeouts.Test)]
    [InlineData(CSharpJsonLibrary.NewtonsoftJson)]
    [InlineData(CSharpJsonLibrary.SystemTextJson)]
    public async Task GeneratedClientMapsPowerSumOver99999ItemsInChunks(CSharpJsonLibrary json)
    {
        var client = await ClientAsync(json);

        var results = await client.RunAsync<double[]>("TutorialDriver", "MapPowerSumAsync", service.Client, 2);

        Assert.Equal(99_999, results.Length);
        // Python's own f(x) from the tutorial, computed by CPython 3.11 (as in TutorialExamplesTests).
        var python = new Dictionary<int, double> { [1] = 51.0, [2] = 52.976145806778966, [50001] = 50114.69884649846, [99999] = 100127.6551002185 };
        foreach (var (x, expected) in python)
            Assert.True(Math.Abs(results[x - 1] - expected) <= 1e-9 * expected, $"f({x}) = {results[x - 1]}, Python says {expected}");
    }

    private static long Fib(int n) => n <= 2 ? 1 : Fib(n - 1) + Fib(n - 2);
}
