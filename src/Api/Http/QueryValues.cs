using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace JobService.Api.Http;

/// <summary>Parses query values by hand, so a bad one gets a 400 that names it instead of a bare binding failure.</summary>
internal static class QueryValues
{
    public static bool TryParseSeconds(string? raw, string name, int max, out TimeSpan value, [NotNullWhen(false)] out string? problem)
    {
        value = TimeSpan.Zero;
        problem = null;
        if (string.IsNullOrEmpty(raw)) return true;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= max)
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        problem = $"{name} must be a number of seconds from 0 to {max} (Jobs:MaxWaitSeconds), got '{Echo.Of(raw)}'";
        return false;
    }

    public static bool TryParseFlag(string? raw, string name, out bool value, [NotNullWhen(false)] out string? problem)
    {
        value = false;
        problem = null;
        if (string.IsNullOrEmpty(raw) || bool.TryParse(raw, out value)) return true;
        problem = $"{name} must be true or false, got '{Echo.Of(raw)}'";
        return false;
    }

    public static bool TryParseCount(string? raw, string name, int min, int max, int fallback, out int value, [NotNullWhen(false)] out string? problem)
    {
        value = fallback;
        problem = null;
        if (string.IsNullOrEmpty(raw)) return true;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        problem = $"{name} must be an integer from {min} to {max}, got '{Echo.Of(raw)}'";
        return false;
    }

    public static bool TryParseEnum<T>(string? raw, string name, T fallback, out T value, [NotNullWhen(false)] out string? problem) where T : struct, Enum
    {
        value = fallback;
        problem = null;
        if (string.IsNullOrEmpty(raw)) return true;
        if (!raw.All(char.IsAsciiLetter) || !Enum.TryParse(raw, ignoreCase: true, out value))
        {
            problem = $"{name} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{Echo.Of(raw)}'";
            return false;
        }
        return true;
    }
}
