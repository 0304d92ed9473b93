using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace JobService.Api.Security;

/// <summary>
/// Who may open the Hangfire dashboard: local requests while the service has no keys (Hangfire's own default), admins
/// once it has. A browser signs in with HTTP Basic, the admin key as password; scripts send the API's key headers.
/// </summary>
internal sealed class DashboardAccess(bool keysEnabled) : IDashboardAuthorizationFilter
{
    public const string Path = "/hangfire";

    private static readonly LocalRequestsOnlyAuthorizationFilter LocalOnly = new();

    public bool Authorize(DashboardContext context) =>
        keysEnabled ? context.GetHttpContext().User.IsInRole(ApiKeyAuthentication.AdminRole) : LocalOnly.Authorize(context);

    /// <summary>Before Hangfire answers a bare 401: a challenge the browser understands, or a 403 for a key that is not an admin's.</summary>
    public static async Task ChallengeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled || context.User.IsInRole(ApiKeyAuthentication.AdminRole))
        {
            await next(context);
            return;
        }
        if (context.User.Identity?.IsAuthenticated == true) await context.ForbidAsync(ApiKeyAuthentication.SchemeName);
        else await context.ChallengeAsync(ApiKeyAuthentication.SchemeName);
    }
}
