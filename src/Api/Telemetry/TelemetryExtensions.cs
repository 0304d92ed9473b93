using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace JobService.Api.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry metrics (the service's own, ASP.NET Core's and the runtime's, for Prometheus at <c>/metrics</c>) and
    /// traces: a job's request, its units and their sends to workers in one trace, exported by OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; trace and span ids are in every log event either way.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobMetrics>();
        builder.Services.AddSingleton<JobLifecycle>();
        builder.Services.AddHostedService<QueueSampler>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(JobMetrics.MeterName, "System.Runtime")
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                tracing.AddSource(JobTracing.SourceName).AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) tracing.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary><c>GET /metrics</c>, behind the API keys like the rest of the API (Prometheus can send a bearer token).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
