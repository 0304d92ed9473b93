using System.Reflection;
using System.Text.Json;

namespace JobService.Workers.Functions;

/// <summary>A catalogued static method: binds JSON arguments, runs, writes the JSON result.</summary>
public sealed class JobFunction
{
    private readonly MethodInfo _method;
    private readonly ParameterInfo[] _parameters;
    private readonly PropertyInfo? _taskResult;
    private readonly FastInvoker? _fast;
    private object?[]? _values;

    public JobFunction(MethodInfo method, JobFunctionAttribute attribute)
    {
        _method = method;
        _parameters = method.GetParameters();
        var returnType = method.ReturnType;
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            _taskResult = returnType.GetProperty(nameof(Task<object>.Result));
            returnType = returnType.GetGenericArguments()[0];
        }
        else if (returnType == typeof(Task))
        {
            returnType = typeof(void);
        }
        _fast = FastInvoker.For(method, attribute.Name);
        Descriptor = new FunctionDescriptor(
            attribute.Name,
            attribute.Description,
            _parameters.Select(p => new ParameterDescriptor(p.Name ?? "arg", ParameterJsonType(p.ParameterType), p.HasDefaultValue)).ToArray(),
            returnType == typeof(RawJson) ? "any" : JsonTypeNames.Of(returnType),
            attribute.FaultInjection);
    }

    public FunctionDescriptor Descriptor { get; }

    /// <summary>Runs the function; exceptions the function throws reach the caller unwrapped.</summary>
    /// <param name="spread">True: <paramref name="args"/> is a JSON array of the arguments; false: it is the one argument.</param>
    public void Invoke(ReadOnlyMemory<byte> args, bool spread, Utf8JsonWriter result)
    {
        if (!spread && _fast is not null && _fast.TryInvoke(args, result)) return;
        var values = Bind(args, spread);
        var value = _method.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
        if (value is Task task)
        {
            task.GetAwaiter().GetResult();
            value = _taskResult?.GetValue(task);
        }
        try
        {
            ResultWriter.Write(result, value);
        }
        catch (Exception e) when (ResultSerializationException.IsWriteFailure(e))
        {
            throw ResultSerializationException.For(Descriptor.Name, e);
        }
    }

    private object?[] Bind(ReadOnlyMemory<byte> args, bool spread)
    {
        // A worker runs one item at a time, so one argument array per function serves every call.
        var values = _values ??= new object?[_parameters.Length];
        Array.Clear(values);
        var reader = new Utf8JsonReader(args.Span);
        if (!reader.Read()) throw new ArgumentBindingException("no arguments were given");
        var given = 0;
        if (!spread)
        {
            if (_parameters.Length == 0) throw new ArgumentBindingException($"{Descriptor.Name}() takes no arguments");
            values[0] = ArgumentBinder.Read(ref reader, args, _parameters[0]);
            given = 1;
        }
        else
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new ArgumentBindingException($"{Descriptor.Name}() takes {_parameters.Length} arguments: send them as a JSON array");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (given == _parameters.Length) throw CountMismatch(given + 1);
                values[given] = ArgumentBinder.Read(ref reader, args, _parameters[given]);
                given++;
            }
        }
        if (given < Descriptor.RequiredParameters) throw CountMismatch(given);
        for (var i = given; i < _parameters.Length; i++) values[i] = _parameters[i].DefaultValue;
        return values;
    }

    private ArgumentBindingException CountMismatch(int given) => new(
        $"{Descriptor.Name}() takes {Descriptor.RequiredParameters}" +
        (Descriptor.Parameters.Count > Descriptor.RequiredParameters ? $" to {Descriptor.Parameters.Count}" : "") +
        $" arguments, {given} given");

    private static string ParameterJsonType(Type type) => type == typeof(RawJson) ? "any" : JsonTypeNames.Of(type);
}
