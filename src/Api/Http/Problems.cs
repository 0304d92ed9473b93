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
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "The request is not valid");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).Take(5)),
            title: "The request is not valid");

    public static ValidationProblem InvalidJobId() => Invalid("jobId", "a job ID is 24 lowercase hex digits");

    public static string UnknownJob(string jobId) =>
        $"no job '{jobId}': it never existed here or it expired (finished jobs are kept for Jobs:Retention)";
}
