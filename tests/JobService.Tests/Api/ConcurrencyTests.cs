using JobService.Api.Storage;
using JobService.Tests.Infrastructure;

namespace JobService.Tests.Api;

[Collection("service")]
public class ConcurrencyTests(ServiceFixture service)
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task SixteenClientsSubmittingFiftyCallsEachAllGetTheirValues()
    {
        var clients = Enumerable.Range(0, 16).Select(async client =>
        {
            using var http = new HttpClient { BaseAddress = service.Client.BaseAddress };
            var submitted = new List<(string Id, int N)>();
            for (var i = 0; i < 50; i++)
            {
                var n = (client * 50 + i) % 25 + 1;
                submitted.Add(((await http.CallAsync("fib", n)).FutureIds![0], n));
            }
            foreach (var (id, n) in submitted)
            {
                var future = await http.FutureAsync(id, waitSeconds: 120);
                Assert.Equal(FutureState.Finished, future.State);
                Assert.Equal(Fib(n), future.Result!.Value.GetInt64());
            }
            return submitted.Count;
        });

        var counts = await Task.WhenAll(clients);

        Assert.Equal(800, counts.Sum());
    }

    private static long Fib(int n) => n <= 2 ? 1 : Fib(n - 1) + Fib(n - 2);
}

[Collection("service-postgres")]
public sealed class ConcurrencyTestsOnPostgreSql(PostgresServiceFixture service) : ConcurrencyTests(service);
