using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace JobService.Api.Security;

/// <summary>
/// Finds the caller's key in <c>Authorization: Bearer</c>, <c>X-Api-Key</c>, or <c>Authorization: Basic</c> (any user
/// name, the key as password: what a browser can send to the dashboard). Keys are compared by their SHA-256 in constant
/// time, so neither the comparison nor the key list's order tells a caller how close a guess was.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string AdminRole = "admin";
    public const string KeyHeader = "X-Api-Key";

    private readonly (byte[] Hash, ApiKey Key)[] _keys = auth.Value.Keys.Select(k => (Hash(k.Key), k)).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (_keys.Length == 0 || Presented(Request) is not { } presented) return Task.FromResult(AuthenticateResult.NoResult());
        var hash = Hash(presented);
        ApiKey? match = null;
        foreach (var (known, key) in _keys)
            if (CryptographicOperations.FixedTimeEquals(known, hash)) match = key;
        if (match is null) return Task.FromResult(AuthenticateResult.Fail("the API key sent is not one this service knows"));
        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        if (match.Admin) claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await Context.AuthenticateAsync(SchemeName);
        // Bearer for API clients; Basic too on the dashboard, so that a browser asks for the key.
        Response.Headers.Append("WWW-Authenticate", """Bearer realm="JobService" """.Trim());
        if (Request.Path.StartsWithSegments(DashboardAccess.Path)) Response.Headers.Append("WWW-Authenticate", """Basic realm="JobService dashboard" """.Trim());
        var detail = result.Failure is { } failure
            ? $"{failure.Message}: check the key, or ask the service's operator for one"
            : $"this service needs an API key: send 'Authorization: Bearer <key>' or '{KeyHeader}: <key>'";
        await Problem(StatusCodes.Status401Unauthorized, "API key required", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problem(StatusCodes.Status403Forbidden, "Admin key required", "only an admin key (Auth:Keys:{i}:Admin) may do this");

    private Task Problem(int status, string title, string detail)
    {
        Response.StatusCode = status;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers[KeyHeader] is [{ Length: > 0 } key]) return key;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization[7..].Trim();
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
