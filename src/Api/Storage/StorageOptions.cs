using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Storage;

/// <summary><c>Storage:*</c>: where jobs and Hangfire's queue live.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary><c>InMemory</c> (default, one node, nothing to install).</summary>
    [RegularExpression("^InMemory$", ErrorMessage = "Storage:Provider must be InMemory: the PostgreSql provider is not part of this build yet.")]
    public string Provider { get; set; } = "InMemory";
}
