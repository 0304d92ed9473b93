using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NJsonSchema.CodeGeneration.CSharp;

namespace JobService.Tests.Infrastructure;

/// <summary>
/// What a .NET user of the service gets from NSwag: a C# client generated from the OpenAPI document a node serves,
/// compiled in memory with the extra sources given (code that uses the client), and loaded into a context of its own.
/// </summary>
public sealed class GeneratedClient
{
    private GeneratedClient(Assembly assembly) => Assembly = assembly;

    public Assembly Assembly { get; }

    public static async Task<GeneratedClient> FromServedDocumentAsync(HttpClient node, CSharpJsonLibrary json, params string[] sources)
    {
        var document = await OpenApiDocument.FromJsonAsync(await node.GetStringAsync("/swagger/v1/swagger.json"));
        var settings = new CSharpClientGeneratorSettings { ClassName = "JobServiceClient" };
        settings.CSharpGeneratorSettings.Namespace = "Generated";
        settings.CSharpGeneratorSettings.JsonLibrary = json;
        var source = new CSharpClientGenerator(document, settings).GenerateFile();
        return new GeneratedClient(Compile(source, sources));
    }

    /// <summary>Calls <c>Generated.{type}.{method}(arguments)</c>, a static async method of the compiled sources.</summary>
    public async Task<T> RunAsync<T>(string type, string method, params object[] arguments)
    {
        var target = Assembly.GetType($"Generated.{type}", throwOnError: true)!.GetMethod(method)
            ?? throw new MissingMethodException(type, method);
        try
        {
            return await (Task<T>)target.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static Assembly Compile(string generated, string[] sources)
    {
        // The running test's own framework assemblies (and Newtonsoft.Json, which NSwag brings) are what the client builds against.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var trees = sources.Prepend(generated).Select(text => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest)));
        var compilation = CSharpCompilation.Create($"Generated{Guid.NewGuid():N}", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (!emitted.Success)
        {
            var saved = Path.Combine(Path.GetTempPath(), $"jobservice-generated-client-{Guid.NewGuid():N}.cs");
            File.WriteAllText(saved, generated);
            throw new InvalidOperationException($"the generated client ({saved}) does not compile:\n{string.Join('\n', errors.Take(20))}");
        }
        image.Position = 0;
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(image);
    }
}
