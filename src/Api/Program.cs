using JobService.Api.Functions;
using JobService.Api.Futures;
using JobService.Api.Health;
using JobService.Api.Http;
using JobService.Api.Jobs;
using JobService.Api.Limits;
using JobService.Api.Pool;
using JobService.Api.Scheduling;
using JobService.Api.Security;
using JobService.Api.Telemetry;
using JobService.Api.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.ListenWhereThePlatformSays();

// Serilog, ProblemDetails, JSON conventions; API keys and rate limits
builder.AddStructuredLogging();
builder.AddHttpConventions();
builder.AddApiKeys();
builder.AddRateLimits();
builder.AddTelemetry();

// The function catalog, the worker processes, the job store, Hangfire (the pool first: it stops last)
builder.AddFunctionCatalog();
builder.AddWorkerPool();
builder.AddJobStorage();
builder.AddScheduler();
builder.AddJobIntake();

// Health checks (workers, storage) and Swagger
builder.AddHealth();
builder.AddApiDocs();

var app = builder.Build();

app.UseHttpConventions();
// The documentation is public; everything after it knows its caller. The dashboard answers to its own rules (admins).
app.UseApiDocs();
app.UseApiKeys();
app.UseRateLimiter();
app.MapDashboard();
app.UseAuthorization();

app.MapJobs();
app.MapFutures();
app.MapFunctions();
app.MapHealth().AllowAnonymous();
app.MapMetrics();

app.Run();
