using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobService.Workers.Functions;
using JobService.Workers.Protocol;

namespace JobService.Workers.Hosting;

/// <summary>Runs a chunk's items in order and hands one Result or Error frame per item to the output.</summary>
internal sealed partial class ChunkExecutor(FunctionCatalog catalog, FrameOutput output)
{
    private readonly FrameBuilder _frame = new(4 * 1024);
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { SkipValidation = false });

    public void Run(ChunkFrame chunk)
    {
        var functions = chunk.Functions.Select(name => catalog.TryGet(name, out var f) ? f : null).ToArray();
        var context = chunk.Context;
        var clock = WallClock.Now();
        RunningItem.Chunk(context.JobId, context.TraceId);
        foreach (var item in chunk.Items)
        {
            var started = Stopwatch.GetTimestamp();
            RunningItem.Starts(item.Index);
            _frame.Clear();
            try
            {
                var function = functions[item.Function]
                    ?? throw new ArgumentBindingException($"this worker has no function named '{chunk.Functions[item.Function]}'");
                _frame.Begin(FrameKind.Result);
                _frame.WriteInt32(item.Index);
                var json = _frame.BeginLength();
                _json.Reset(_frame.Writer);
                function.Invoke(item.Args, item.Spread, _json);
                _json.Flush();
                _frame.EndLength(json);
                var elapsed = ElapsedMicros(started);
                _frame.WriteInt32(elapsed);
                // Only the items the host will place in its trace say when they started (see ChunkContext).
                if (elapsed >= context.StartTimesFromMicros) _frame.WriteInt64(clock.UnixMicros(started));
                _frame.End();
            }
            catch (Exception e)
            {
                _frame.Clear();
                new ErrorFrame(item.Index, ElapsedMicros(started), clock.UnixMicros(started), ErrorTypeOf(e), e.Message, Traceback(e)).Write(_frame);
            }
            RunningItem.Ends();
            output.Submit(_frame);
            // The guarantee of an isolated chunk: this result is with the host before the next item starts.
            if (chunk.Isolated) output.Flush();
        }
    }

    private static int ElapsedMicros(long started) =>
        (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).Ticks / 10);

    /// <summary>
    /// The exception as .NET prints it, less the frames of this worker's own machinery (reflection, this loop),
    /// and with source files by name only: a client has no business knowing the server's directories.
    /// </summary>
    private static string Traceback(Exception e) => string.Join('\n', e.ToString().Split('\n')
        .Where(line => !OwnFrames.Any(line.TrimStart().StartsWith))
        .Select(line => SourcePath().Replace(line, " in ")));

    /// <summary>The directories of " in /src/Functions/X.cs:line 12" (or C:\\…), up to the file name.</summary>
    [GeneratedRegex(@" in (?:[A-Za-z]:)?[/\\](?:[^/\\:]*[/\\])*")]
    private static partial Regex SourcePath();

    private static readonly string[] OwnFrames =
        ["at System.Reflection.", "at JobService.Workers.Functions.JobFunction.Invoke", "at JobService.Workers.Hosting.ChunkExecutor"];

    private static string ErrorTypeOf(Exception e) => e switch
    {
        ArgumentBindingException => ArgumentBindingException.ErrorType,
        ArgumentValueException => ArgumentValueException.ErrorType,
        ResultSerializationException => ResultSerializationException.ErrorType,
        OutOfMemoryException => "MemoryError",
        _ => e.GetType().Name,
    };
}
