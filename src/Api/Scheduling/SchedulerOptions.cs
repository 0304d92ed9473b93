using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Scheduling;

/// <summary><c>Scheduler:*</c>: the Hangfire queues this node serves.</summary>
public sealed class SchedulerOptions : IValidatableObject
{
    public const string SectionName = "Scheduler";

    /// <summary>Queues this node takes work from, in priority order; a job's <c>queue</c> must be one of them, and defaults to the first.</summary>
    /// <remarks>Empty here, not ["default"]: the configuration binder appends to an array it finds filled.</remarks>
    public string[] Queues { get; set; } = [];

    /// <summary>How long a dispatch job waits for more ready units after its last one, before it ends and frees its Hangfire worker.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The configured queues, or Hangfire's "default" when none are.</summary>
    public string[] Served => Queues.Length > 0 ? Queues : ["default"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Queues.Where(q => !IsQueueName(q)).Select(q => new ValidationResult(
            $"Scheduler:Queues has '{q}': Hangfire queue names are lowercase letters, digits, '_' and '-'.", [nameof(Queues)]));

    public static bool IsQueueName(string name) =>
        name.Length is > 0 and <= 50 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');
}
