using JobService.Api.Functions;
using JobService.Api.Futures;
using JobService.Api.Health;
using JobService.Api.Http;
using JobService.Api.Jobs;
using JobService.Api.Pool;
using JobService.Api.Scheduling;
using JobService.Api.Storage;

var builder = WebApplication.CreateBuilder(args);

// Serilog, ProblemDetails, JSON conventions
builder.AddStructuredLogging();
builder.AddHttpConventions();

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
app.UseApiDocs();
app.MapDashboard();

app.MapJobs();
app.MapFutures();
app.MapFunctions();
app.MapHealth();

app.Run();
