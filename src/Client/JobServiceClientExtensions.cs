using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JobService.Client;

public static class JobServiceClientExtensions
{
    /// <summary>
    /// Registers <see cref="JobServiceClient"/> as a typed client of <c>IHttpClientFactory</c> (pooled handlers, DNS refresh) and
    /// <see cref="JobServiceExecutor"/> on top of it. Returns the client's builder, to add handlers or resilience as usual.
    /// </summary>
    public static IHttpClientBuilder AddJobServiceClient(this IServiceCollection services, Action<JobServiceClientOptions> configure)
    {
        services.AddOptions<JobServiceClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "JobServiceClientOptions.BaseAddress must be an absolute URI, e.g. http://localhost:5080")
            .Validate(o => o.LongPoll > TimeSpan.Zero, "JobServiceClientOptions.LongPoll must be positive");
        services.TryAddTransient<JobServiceExecutor>();
        return services.AddHttpClient<JobServiceClient>((provider, http) =>
            JobServiceClient.Configure(http, provider.GetRequiredService<IOptions<JobServiceClientOptions>>().Value));
    }
}
