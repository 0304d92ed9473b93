using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace JobService.Api.Security;

public static class SecurityExtensions
{
    /// <summary>API keys (<c>Auth:Keys</c>): with any configured, every endpoint not marked anonymous needs one.</summary>
    public static IHostApplicationBuilder AddApiKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>>((authorization, auth) =>
        {
            if (auth.Value.Enabled)
                authorization.FallbackPolicy = new AuthorizationPolicyBuilder(ApiKeyAuthentication.SchemeName).RequireAuthenticatedUser().Build();
        });
        return builder;
    }

    /// <summary>Who is calling, for what follows (the dashboard, the rate limiter, the endpoints); says loudly when anyone may call.</summary>
    public static WebApplication UseApiKeys(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var log = app.Services.GetRequiredService<ILogger<AuthOptions>>();
        if (auth.Enabled)
            log.LogInformation("API keys required: {Keys} configured, {Admins} of them admin", auth.Keys.Count, auth.Keys.Count(k => k.Admin));
        else
            log.LogWarning("No API keys configured (Auth:Keys): anyone who can reach this node may submit, read and cancel every job");
        app.UseAuthentication();
        return app;
    }
}
