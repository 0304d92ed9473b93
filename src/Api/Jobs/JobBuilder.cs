using System.Globalization;
using System.Text.Json;
using JobService.Api.Http;
using JobService.Api.Scheduling;
using JobService.Api.Storage;
using JobService.Workers.Functions;

namespace JobService.Api.Jobs;

/// <summary>
/// Checks a parsed job against the catalog and the limits, and builds its <see cref="JobSpec"/>.
/// Everything that can be known before running is checked here (names, argument counts, options);
/// a wrong argument <i>type</i> fails only its own item, in the worker.
/// </summary>
internal sealed class JobBuilder(FunctionCatalog catalog, JobsOptions limits, SchedulerOptions scheduler, int workers, ProblemList problems)
{
    /// <summary>The spec, or null: with problems listed (400), or without when the job is over Jobs:MaxItems (413).</summary>
    public NewJob? Build(ParsedJob job, byte[] body, int bodyLength, string jobId, DateTimeOffset now)
    {
        if ((job.Items?.Count ?? job.Calls?.Count ?? 1) > limits.MaxItems) return null;
        _body = body;
        var type = job.Type?.ToLowerInvariant() switch
        {
            "map" => JobType.Map,
            "submit" => JobType.Submit,
            null => Problem<JobType?>("type", "type is required: \"map\" or \"submit\""),
            _ => Problem<JobType?>("type", $"unknown type '{Echo.Of(job.Type)}': use \"map\" or \"submit\""),
        };
        var options = Options(job);
        var (functions, items) = type switch
        {
            JobType.Map => MapItems(job),
            JobType.Submit => SubmitItems(job, bodyLength),
            _ => (null, null),
        };
        if (problems.Any || functions is null || items is null || type is null || options is null) return null;

        var spread = type == JobType.Submit || items.Count == 0 || Function(functions[0])!.Parameters.Count > 1;
        var plan = JobPlanner.Plan(items.Count, job.Chunksize, workers);
        return new NewJob(new JobSpec(jobId, type.Value, functions, items.Count, spread, plan, options, now), items);
    }

    private byte[] _body = [];

    private (List<string>?, ItemArguments?) MapItems(ParsedJob job)
    {
        if (job.Args is not null || job.Calls is not null) problems.Add("items", "a map takes items; args and calls belong to a submit");
        var function = RequireFunction(job.Function, "function");
        if (job.Items is null)
        {
            problems.Add("items", "items is required for a map: an array with one element per call, e.g. [15, 16, 17]");
            return (null, null);
        }
        if (function is null) return (null, null);
        if (function.Parameters.Count == 0)
        {
            problems.Add("function", $"{function.Name}() takes no arguments, so it cannot be mapped over items; submit it instead");
            return (null, null);
        }
        if (function.Parameters.Count > 1)
        {
            // Several parameters: each item is spread over them, so each must be an array of the right length.
            for (var i = 0; i < job.Items.Count; i++) CheckArgumentCount(function, Bytes(job.Items[i]), $"items[{i}]");
        }
        return ([function.Name], job.Items.ToArguments(_body));
    }

    private (List<string>?, ItemArguments?) SubmitItems(ParsedJob job, int bodyLength)
    {
        var noArgs = new Slice(bodyLength, 2);
        if (job.Items is not null) problems.Add("items", "items belong to a map; a submit takes function and args, or calls");
        if (job.Calls is not null && (job.Function is not null || job.Args is not null))
            problems.Add("calls", "send either function and args (one call) or calls (many), not both");
        var calls = job.Calls ?? [new ParsedCall(job.Function, job.Args)];
        var field = job.Calls is null ? (Function: "function", Args: "args") : default;
        var functions = new List<string>();
        var slots = new ushort[calls.Count];
        var args = new SliceList();
        for (var i = 0; i < calls.Count; i++)
        {
            var function = RequireFunction(calls[i].Function, field.Function ?? $"calls[{i}].function");
            var callArgs = calls[i].Args ?? noArgs;
            if (function is null || !CheckArgumentCount(function, Bytes(callArgs), field.Args ?? $"calls[{i}].args")) continue;
            var slot = functions.IndexOf(function.Name);
            if (slot < 0)
            {
                slot = functions.Count;
                functions.Add(function.Name);
            }
            slots[i] = (ushort)slot;
            args.Add(callArgs);
        }
        return problems.Any ? (null, null) : (functions, args.ToArguments(_body, functions.Count > 1 ? slots : null));
    }

    private JobOptions? Options(ParsedJob job)
    {
        if (job.Chunksize is <= 0) problems.Add("chunksize", "chunksize must be a positive integer, or null for ceil(items / (4 × workers))");
        if (job.TimeoutSeconds is { } t && (t <= 0 || double.IsNaN(t) || t > 7 * 86_400))
            problems.Add("timeoutSeconds", "timeoutSeconds must be a positive number of seconds (at most a week), or null for the node's default (Jobs:DefaultTimeoutSeconds)");
        if (job.Retries is < 0 || job.Retries > limits.MaxRetries)
            problems.Add("retries", $"retries must be between 0 and {limits.MaxRetries} (Jobs:MaxRetries)");
        var queue = job.Queue ?? scheduler.Served[0];
        if (!scheduler.Served.Contains(queue, StringComparer.Ordinal))
            problems.Add("queue", $"unknown queue '{Echo.Of(queue)}'; this service has: {string.Join(", ", scheduler.Served)}");
        return new JobOptions(job.TimeoutSeconds, job.Retries ?? 0, queue);
    }

    private FunctionDescriptor? RequireFunction(string? name, string field)
    {
        if (name is null)
        {
            problems.Add(field, "function is required: the name of a function from GET /functions");
            return null;
        }
        var function = Function(name);
        if (function is null) problems.Add(field, $"unknown function '{Echo.Of(name)}'; GET /functions lists the {catalog.Descriptors.Count()} available");
        return function;
    }

    private FunctionDescriptor? Function(string name) => catalog.TryGet(name, out var f) ? f.Descriptor : null;

    /// <summary>The argument array must have as many elements as the function has parameters (fewer where they have defaults).</summary>
    private bool CheckArgumentCount(FunctionDescriptor function, ReadOnlySpan<byte> args, string field)
    {
        var reader = new Utf8JsonReader(args);
        reader.Read();
        var count = -1;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                count++;
                reader.Skip();
            }
        }
        var (min, max) = (function.RequiredParameters, function.Parameters.Count);
        if (count >= min && count <= max) return true;
        var expected = min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min} to {max}";
        var names = string.Join(", ", function.Parameters.Select(p => p.Name));
        problems.Add(field, count < 0
            ? $"{function.Name}({names}) takes {expected} arguments: send them as an array"
            : $"{function.Name}({names}) takes {expected} arguments, {count} given");
        return false;
    }

    private ReadOnlySpan<byte> Bytes(Slice slice) => _body.AsSpan(slice.Offset, slice.Length);

    private T? Problem<T>(string field, string message)
    {
        problems.Add(field, message);
        return default;
    }
}
