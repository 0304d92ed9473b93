# JobService: the API host with its worker program beside it, in one image.
#   docker build -t jobservice .
#   docker run --rm -p 8080:8080 jobservice          # then: curl localhost:8080/health (probes: /health/live, /health/ready)
# Settings as environment variables, e.g. -e Workers__Count=4 -e Jobs__Retention=01:00:00

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the project files alone, so this layer is rebuilt only when a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Api/JobService.Api.csproj src/Api/
COPY src/Workers/JobService.Workers.csproj src/Workers/
RUN dotnet restore src/Api/JobService.Api.csproj
COPY src/ src/
# src/Api references src/Workers, so JobService.Workers.dll and its runtimeconfig.json are published beside the API.
RUN dotnet publish src/Api/JobService.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# appsettings.json sets Urls=http://localhost:5080, and the Urls setting wins over ASPNETCORE_URLS and
# ASPNETCORE_HTTP_PORTS: only an Urls environment variable (or --Urls=) moves the service to 8080 on every interface.
ENV Urls=http://+:8080 \
    ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
# The image's non-root user "app" (UID 1654); the worker processes it spawns run as the same user.
USER $APP_UID
ENTRYPOINT ["dotnet", "JobService.Api.dll"]
