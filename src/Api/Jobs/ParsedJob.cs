namespace JobService.Api.Jobs;

/// <summary>A byte range of the request body.</summary>
internal readonly record struct Slice(int Offset, int Length);

internal sealed record ParsedCall(string? Function, Slice? Args);

/// <summary><c>POST /jobs</c> as read, before it is checked against the catalog; values stay slices of the body.</summary>
internal sealed class ParsedJob
{
    public string? Type { get; set; }
    public string? Function { get; set; }
    public List<Slice>? Items { get; set; }
    public Slice? Args { get; set; }
    public List<ParsedCall>? Calls { get; set; }
    public int? Chunksize { get; set; }
    public double? TimeoutSeconds { get; set; }
    public int? Retries { get; set; }
    public string? Queue { get; set; }
}
