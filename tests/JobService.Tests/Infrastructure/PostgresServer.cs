using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace JobService.Tests.Infrastructure;

/// <summary>
/// A private, throw-away PostgreSQL server: a fresh cluster in a temp directory, on a loopback port,
/// run from the Debian package's binaries. Tests get isolation from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";
    private const string Prefix = "jobservice-pg-";
    private const int LogLines = 200;
    private const int SigQuit = 3, SigKill = 9;

    // initdb and postgres refuse to run as root, so a root test process runs them as this user.
    private const string ServiceUser = "postgres";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly Process _process;
    private readonly string _directory;
    private readonly Queue<string> _log = new();
    private readonly Task _pumps;
    private int _disposed;

    private PostgresServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public int Port { get; }

    /// <summary>The postmaster's last lines of output, to explain a failure.</summary>
    public string Log
    {
        get
        {
            lock (_log) return string.Join('\n', _log);
        }
    }

    private static bool AsRoot => Environment.UserName == "root";

    /// <summary>The server of this test run, started on first use and stopped at process exit. Never dispose it.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>
    /// Starts a fresh cluster. Unless <paramref name="durable"/>, it does not flush to disk: tests kill the
    /// service, never the database, so PostgreSQL's own crash safety is not what they test.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(bool durable = false)
    {
        var (initdb, postgres) = FindBinaries();
        await RemoveStaleServersAsync();

        var directory = Directory.CreateTempSubdirectory(Prefix).FullName;
        PostgresServer? server = null;
        try
        {
            // Written before anything can start, so a later run knows whose server this is.
            File.WriteAllText(OwnerFile(directory), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            if (AsRoot) await RunAsync(Command(directory, "chown", ["-R", ServiceUser, directory], asServiceUser: false));
            // The C locale: the same collation on every machine, whatever LANG says.
            await RunAsync(Command(directory, initdb,
                ["-D", DataDirectory(directory), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]));

            var port = ProcessTable.FreeLoopbackPort();
            List<string> arguments =
            [
                "-D", DataDirectory(directory), "-k", directory, "-p", port.ToString(CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=128MB",
            ];
            if (!durable) arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
            server = new PostgresServer(Process.Start(Command(directory, postgres, arguments))!, directory, port);
            await server.WaitUntilAcceptingAsync(TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            if (server is null) Directory.Delete(directory, recursive: true);
            else await server.DisposeAsync();
            throw;
        }
    }

    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        Pooling = true,
    }.ConnectionString;

    /// <summary>Creates an empty database (named <c>t_</c> + random hex unless given) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        // Once only: a test that disposes the shared server must not crash the process-exit handler.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_process.HasExited)
        {
            // SIGQUIT is PostgreSQL's immediate shutdown: the cluster is thrown away, so it needs no
            // checkpoint, and open sessions (pooled ones too) are ended where SIGTERM would wait for every
            // client to leave. The postmaster is signalled itself, not a runuser in front of it, which
            // would pass any signal on as SIGTERM.
            var stopped = ReadPid(PidFile(_directory)) is { } postmaster && ProcessTable.Signal(postmaster, SigQuit) == 0
                && await _process.ExitsWithinAsync(TimeSpan.FromSeconds(30));
            if (!stopped) _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        await _pumps;
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        // xunit v2 has no hook after the last test of a run: process exit is the last moment to stop it.
        // vstest kills the test host 100 ms after the run, which may cut the directory's removal short;
        // the postmaster has its signal by then, and the next run removes what is left.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    /// <summary>The newest installed major version's initdb and postgres.</summary>
    private static (string Initdb, string Postgres) FindBinaries()
    {
        var bin = (Directory.Exists(BinariesRoot) ? Directory.EnumerateDirectories(BinariesRoot) : [])
            .Select(d => (Directory: Path.Combine(d, "bin"), Parsed: decimal.TryParse(Path.GetFileName(d), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v), Version: v))
            .Where(d => d.Parsed && File.Exists(Path.Combine(d.Directory, "initdb")) && File.Exists(Path.Combine(d.Directory, "postgres")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Directory)
            .FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"PostgreSQL is not installed: no {BinariesRoot}/<version>/bin/initdb and postgres. " +
                "Install the Debian package `postgresql` (apt-get install postgresql), as .ci/run does.");
        return (Path.Combine(bin, "initdb"), Path.Combine(bin, "postgres"));
    }

    /// <summary>
    /// A killed test process cannot stop its server, so each start stops and removes the servers of
    /// earlier runs whose owner is gone.
    /// </summary>
    private static async Task RemoveStaleServersAsync()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            // No owner file yet: another run is starting this one right now.
            if (ReadPid(OwnerFile(directory)) is not { } owner || ProcessTable.IsAlive(owner)) continue;

            // The pid file may outlive its postmaster and the pid be reused: only a process whose command
            // line names this data directory is that postmaster. SIGQUIT (immediate shutdown) takes its
            // children down with it.
            if (ReadPid(PidFile(directory)) is { } postmaster && CommandLine(postmaster).Contains(DataDirectory(directory))
                && ProcessTable.Signal(postmaster, SigQuit) == 0
                && !await ProcessTable.WaitUntilGoneAsync([postmaster], TimeSpan.FromSeconds(10)))
                ProcessTable.Signal(postmaster, SigKill);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run is removing it too, or it belongs to a user we cannot act for.
            }
        }
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString()) { Pooling = false, Timeout = 2 }.ConnectionString;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Let the pumps drain what the postmaster wrote before it died: that is the reason.
                await _pumps.WaitAsync(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException($"postgres exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException)
            {
                // Not listening yet, or still starting up.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"postgres did not accept connections within {timeout}:\n{Log}");
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_log)
            {
                _log.Enqueue(line);
                if (_log.Count > LogLines) _log.Dequeue();
            }
    }

    /// <summary><paramref name="file"/> run in <paramref name="directory"/>, through runuser when we are root.</summary>
    private static ProcessStartInfo Command(string directory, string file, IEnumerable<string> arguments, bool asServiceUser = true)
    {
        var wrap = asServiceUser && AsRoot;
        var info = new ProcessStartInfo(wrap ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The service user may not be allowed into our own working directory.
            WorkingDirectory = directory,
        };
        foreach (var argument in wrap ? ["-u", ServiceUser, "--", file, .. arguments] : arguments) info.ArgumentList.Add(argument);
        return info;
    }

    private static async Task RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var output = await Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{output[0]}{output[1]}");
    }

    private static string DataDirectory(string directory) => Path.Combine(directory, "data");

    private static string OwnerFile(string directory) => Path.Combine(directory, "owner.pid");

    /// <summary>The postmaster's lock file, its pid on the first line.</summary>
    private static string PidFile(string directory) => Path.Combine(DataDirectory(directory), "postmaster.pid");

    /// <summary>The pid on the first line of <paramref name="path"/>, if it can be read.</summary>
    private static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadLines(path).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

}
