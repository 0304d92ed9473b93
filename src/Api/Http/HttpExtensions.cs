using System.Text.Json;
using System.Text.Json.Serialization;
using Serilog;
using Serilog.Events;

namespace JobService.Api.Http;

public static class HttpExtensions
{
    /// <summary>Serilog from the <c>Serilog</c> configuration section, with log-context properties (JobId, WorkerPid…).</summary>
    public static IHostApplicationBuilder AddStructuredLogging(this IHostApplicationBuilder builder)
    {
        // No static bootstrap logger: it would be frozen twice when tests build several hosts.
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    public const string DefaultAddress = "http://localhost:5080";

    /// <summary>
    /// Listens on <see cref="DefaultAddress"/> unless the platform says where: <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>
    /// (set by every .NET container image and most hosting platforms), <c>--urls</c>, or Kestrel endpoints always win.
    /// </summary>
    public static WebApplicationBuilder ListenWhereThePlatformSays(this WebApplicationBuilder builder)
    {
        string[] given = ["urls", "http_ports", "https_ports"];
        if (!given.Any(key => !string.IsNullOrEmpty(builder.Configuration[key])) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultAddress);
        return builder;
    }

    /// <summary>Every error is RFC 7807 problem JSON; bodies are camelCase JSON without nulls, read under <c>Limits:*</c>.</summary>
    public static IHostApplicationBuilder AddHttpConventions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddSingleton<RequestBody>();
        // The wire's conventions live with the wire's shapes (JobService.Contracts), shared with the clients.
        builder.Services.ConfigureHttpJsonOptions(json => WireJson.Configure(json.SerializerOptions));
        return builder;
    }

    /// <summary>Errors never leak a stack trace; one log line per request, quiet at Information for the successful ones.</summary>
    public static WebApplication UseHttpConventions(this WebApplication app)
    {
        app.UseSecurityHeaders();
        // Outside the exception handler, so it logs the status the client got: a bad request is a 4xx line,
        // a bug a 500 line (the handler has already logged its exception at Error).
        app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
            : context.Response.StatusCode >= 400 ? LogEventLevel.Information
            : LogEventLevel.Debug);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
