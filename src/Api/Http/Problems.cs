using Microsoft.AspNetCore.Http.HttpResults;

namespace JobService.Api.Http;

/// <summary>The RFC 7807 answers the endpoints give, each with a detail that says what to fix.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions);

    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>
    /// The detail names the fields and <c>errors</c> says what is wrong with each: a message that quotes the
    /// rejected value appears once in the answer, never twice.
    /// </summary>
    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors,
            detail: $"{(errors.Count == 1 ? "this field is" : "these fields are")} not valid (see errors): {string.Join(", ", errors.Keys.Take(5))}",
            title: "The request is not valid");

    public static ValidationProblem InvalidJobId() => Invalid("jobId", "a job ID is 24 lowercase hex digits");

    public static string UnknownJob(string jobId) =>
        $"no job '{jobId}': it never existed here or it expired (finished jobs are kept for Jobs:Retention)";
}
