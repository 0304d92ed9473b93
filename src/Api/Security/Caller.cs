using System.Security.Claims;
using JobService.Api.Storage;
using Microsoft.Extensions.Options;

namespace JobService.Api.Security;

/// <summary>
/// Who is asking: the name of their key and whether it is an admin's. Without keys configured everyone is an admin
/// of an open service, and jobs have no owner.
/// </summary>
internal readonly record struct Caller(string? Key, bool Admin)
{
    public static Caller Of(HttpContext context)
    {
        if (!context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled) return new Caller(null, Admin: true);
        var user = context.User;
        return new Caller(user.Identity?.Name, user.IsInRole(ApiKeyAuthentication.AdminRole));
    }

    /// <summary>The owner <c>GET /jobs</c> lists: an admin lists every job.</summary>
    public string? Listed => Admin ? null : Key;

    /// <summary>Another key's job is answered as unknown (404), so that its existence is not told either.</summary>
    public bool Sees(JobSpec spec) => Admin || spec.Owner == Key;

    /// <summary>Whether the job is visible to this caller; an admin is not asked (an unknown job is found unknown by what follows).</summary>
    public async ValueTask<bool> SeesAsync(IJobStore store, string jobId, CancellationToken cancellationToken) =>
        Admin || (await store.SpecsAsync([jobId], cancellationToken)).TryGetValue(jobId, out var spec) && Sees(spec);
}
