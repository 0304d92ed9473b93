namespace JobService.Api.Http;

/// <summary>Why a request body was refused: a field's problem (400 naming it) or a status of its own (413, 415, 429).</summary>
internal sealed record BodyProblem(int Status, string Title, string Detail, string? Field = null)
{
    public static BodyProblem Invalid(string field, string message) =>
        new(StatusCodes.Status400BadRequest, "The request is not valid", message, field);
}

/// <summary>A body read whole, or the problem that stopped it.</summary>
internal readonly record struct BodyRead(byte[] Buffer, int Length, BodyProblem? Problem)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
}
