using Microsoft.AspNetCore.Diagnostics;

namespace JobService.Api.Http;

/// <summary>
/// Kestrel's complaints about a request (a body over its limit, cut short, too slow, bad chunking) are the
/// client's fault: they become the 4xx Kestrel names, logged without a stack trace, never a 500.
/// A client that went away gets nothing and is not an error.
/// </summary>
internal sealed partial class BadRequestHandler(IProblemDetailsService problems, ILogger<BadRequestHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.RequestAborted.IsCancellationRequested && exception is BadHttpRequestException or OperationCanceledException or IOException)
        {
            ClientGone(logger, context.Request.Method, context.Request.Path);
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return true;
        }
        if (exception is not BadHttpRequestException bad) return false;
        BadRequest(logger, context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path}: the client went away before the answer")]
    private static partial void ClientGone(ILogger logger, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: bad request {StatusCode}: {Reason}")]
    private static partial void BadRequest(ILogger logger, string method, string path, int statusCode, string reason);
}
