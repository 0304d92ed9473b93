using JobService.Workers.Functions;
using JobService.Workers.Hosting;
using JobService.Workers.Protocol;

// A worker process: frames in on stdin, frames out on stdout, logs on stderr. It lives until
// stdin closes or its parent dies.
var protocolOut = StandardStreams.TakeStdoutForProtocol();
FunctionCatalog catalog;
try
{
    catalog = FunctionCatalog.Load(WorkerEnvironment.ReadPluginPaths(), WorkerEnvironment.ReadFaultInjection());
}
catch (Exception e)
{
    Console.Error.WriteLine($"worker {Environment.ProcessId} cannot load its functions: {e}");
    return ExitCodes.StartupFailed;
}
ParentWatch.Start();

var output = new FrameOutput(protocolOut);
var frame = new FrameBuilder(256);
new HelloFrame(Environment.ProcessId, FrameFormat.ProtocolVersion, catalog.Descriptors.Count()).Write(frame);
output.Submit(frame);
output.Flush();

var executor = new ChunkExecutor(catalog, output);
var input = new FrameReader(Console.OpenStandardInput());
try
{
    while (await input.ReadAsync(CancellationToken.None) is { } request)
    {
        if (request.Kind != FrameKind.Chunk) throw new ProtocolException($"a worker only takes chunks, got {request.Kind}");
        executor.Run(ChunkFrame.Decode(request.Payload));
    }
}
catch (ProtocolException e)
{
    Console.Error.WriteLine($"worker {Environment.ProcessId}: {e.Message}");
    output.Flush();
    return ExitCodes.ProtocolError;
}
output.Flush();
return ExitCodes.StdinClosed;
