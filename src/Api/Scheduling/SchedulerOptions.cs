using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Scheduling;

/// <summary><c>Scheduler:*</c>: the Hangfire queues this node serves.</summary>
public sealed class SchedulerOptions : IValidatableObject
{
    public const string SectionName = "Scheduler";

    /// <summary>Queues this node takes work from, in priority order; a job's <c>queue</c> must be one of them.</summary>
    [MinLength(1)]
    public string[] Queues { get; set; } = ["default"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Queues.Where(q => !IsQueueName(q)).Select(q => new ValidationResult(
            $"Scheduler:Queues has '{q}': Hangfire queue names are lowercase letters, digits, '_' and '-'.", [nameof(Queues)]));

    public static bool IsQueueName(string name) =>
        name.Length is > 0 and <= 50 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');
}
