namespace JobService.Api.Http;

/// <summary>A rejected value as an error may quote it: short, so a 10 MB name never comes back in a 400.</summary>
internal static class Echo
{
    private const int MaxChars = 100;

    public static string Of(string? value) =>
        value is null ? "null" : value.Length <= MaxChars ? value : string.Concat(value.AsSpan(0, MaxChars), "…");
}
