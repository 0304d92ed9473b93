# JobService: the API host with its worker program beside it, in one image.
#   docker build -t jobservice .
#   docker run --rm -p 8080:8080 jobservice          # then: curl localhost:8080/health (probes: /health/live, /health/ready)
# The port is the platform's: ASPNETCORE_HTTP_PORTS (8080 here, as in every .NET image) or ASPNETCORE_URLS.
# Settings as environment variables, e.g. -e Workers__Count=4 -e Jobs__Retention=01:00:00; on PostgreSQL:
#   -e Storage__Provider=PostgreSql -e ConnectionStrings__Postgres="Host=db;Username=jobs;Password=…;Database=jobs"
# and API keys: -e Auth__Keys__0__Name=alice -e Auth__Keys__0__Key=…

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the project files alone, so this layer is rebuilt only when a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Api/JobService.Api.csproj src/Api/
COPY src/Workers/JobService.Workers.csproj src/Workers/
COPY src/Contracts/JobService.Contracts.csproj src/Contracts/
RUN dotnet restore src/Api/JobService.Api.csproj
COPY src/ src/
# src/Api references src/Workers, so JobService.Workers.dll and its runtimeconfig.json are published beside the API.
RUN dotnet publish src/Api/JobService.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# tini as PID 1: it forwards SIGTERM to the API (which stops its workers) and reaps whatever a worker's own
# children leave behind, which the API, as PID 1, would not.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# Liveness, with what the image has (bash, no curl): a restart helps only a process that no longer answers.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD ["bash", "-c", \
  "port=${ASPNETCORE_HTTP_PORTS%%[;,]*}; exec 3<>/dev/tcp/127.0.0.1/${port:-8080} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# The image's non-root user "app" (UID 1654); the worker processes it spawns run as the same user.
USER $APP_UID
ENTRYPOINT ["tini", "--", "dotnet", "JobService.Api.dll"]
