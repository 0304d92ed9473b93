using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace JobService.Api.Storage;

/// <summary>Job IDs are 24 random lowercase hex digits; a future is <c>{jobId}.{index}</c>.</summary>
public readonly record struct FutureId(string JobId, int Index)
{
    public const int JobIdLength = 24;

    public override string ToString() => $"{JobId}.{Index.ToString(CultureInfo.InvariantCulture)}";

    public static string NewJobId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(JobIdLength / 2));

    public static bool IsJobId([NotNullWhen(true)] string? text) =>
        text is { Length: JobIdLength } && text.All(char.IsAsciiHexDigitLower);

    public static bool TryParse(string? text, out FutureId id)
    {
        id = default;
        var dot = text?.IndexOf('.') ?? -1;
        if (dot < 0) return false;
        var jobId = text![..dot];
        var index = text[(dot + 1)..];
        if (!IsJobId(jobId) || index.Length is 0 or > 10 || (index.Length > 1 && index[0] == '0') || !index.All(char.IsAsciiDigit)) return false;
        if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i)) return false;
        id = new FutureId(jobId, i);
        return true;
    }

    public const string FormatHint = "a future ID is {jobId}.{index}: 24 lowercase hex digits, a dot, and the item's index";
}
