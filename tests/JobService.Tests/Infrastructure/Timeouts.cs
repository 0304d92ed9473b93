namespace JobService.Tests.Infrastructure;

/// <summary>
/// How long one test may take before it fails as hung. Generous for a shared 2-core machine under load (the slowest
/// tests, a node killed mid-map and its lease running out, take well under a minute there); a hang fails the test in
/// minutes instead of holding the suite until the HTTP client's five-minute timeout, test after test.
/// </summary>
public static class Timeouts
{
    public const int Test = 180_000;
}
