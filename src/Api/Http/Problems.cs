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
    /// <c>errors</c> says what is wrong with each field and the detail only counts them: a field's name or
    /// message may quote the rejected value, and it must appear once in the answer, never twice.
    /// </summary>
    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors,
            detail: errors.Count == 1 ? "1 field is not valid: see errors" : $"{errors.Count} fields are not valid: see errors",
            title: "The request is not valid");

    public static ValidationProblem InvalidJobId() => Invalid("jobId", "a job ID is 24 lowercase hex digits");

    public static string UnknownJob(string jobId) =>
        $"no job '{jobId}': it never existed here or it expired (finished jobs are kept for Jobs:Retention)";
}
