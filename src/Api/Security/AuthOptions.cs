using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Security;

/// <summary><c>Auth:Keys:{i}:Name|Key|Admin</c>. No key configured: the service is open to anyone who can reach it.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>Shorter keys can be guessed; a generated key (<c>openssl rand -hex 32</c>) is far longer.</summary>
    public const int MinKeyLength = 16;

    public List<ApiKey> Keys { get; set; } = [];

    public bool Enabled => Keys.Count > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Keys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Keys[i].Name))
                yield return new ValidationResult($"Auth:Keys:{i}:Name is required: it names the key in logs and owns its jobs");
            if (Keys[i].Key is not { Length: >= MinKeyLength })
                yield return new ValidationResult($"Auth:Keys:{i}:Key must be at least {MinKeyLength} characters");
        }
        foreach (var name in Keys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
            yield return new ValidationResult($"Auth:Keys: the name '{name}' is given to more than one key");
        if (Keys.GroupBy(k => k.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
            yield return new ValidationResult("Auth:Keys: two entries have the same key");
    }
}

/// <summary>One client's key. An admin sees and cancels every job, and may open the Hangfire dashboard.</summary>
public sealed class ApiKey
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
    public bool Admin { get; set; }
}
