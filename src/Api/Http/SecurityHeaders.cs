namespace JobService.Api.Http;

/// <summary>Headers on every response, errors, Swagger and the dashboard included.</summary>
internal static class SecurityHeaders
{
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Set as the response starts, since an error handler clears the headers set before it ran.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                // A browser must not guess that a JSON answer quoting the client's input is HTML or script.
                headers.XContentTypeOptions = "nosniff";
                // No page may frame ours (clickjacking of the dashboard's buttons).
                headers.XFrameOptions = "DENY";
                if (!headers.ContainsKey("Content-Security-Policy")) headers.ContentSecurityPolicy = "frame-ancestors 'none'";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
