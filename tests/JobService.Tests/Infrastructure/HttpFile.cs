using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace JobService.Tests.Infrastructure;

/// <summary>One request of a <c>.http</c> file, its <c>{{…}}</c> placeholders still in place.</summary>
public sealed record HttpFileRequest(
    int Line, string? Name, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body);

/// <summary>What a request of a <c>.http</c> file was sent as, and what came back.</summary>
public sealed record HttpFileResponse(string Method, string Url, int Status, string Body);

/// <summary>
/// A <c>.http</c> file as VS Code REST Client reads it, cut down to what <c>http/*.http</c> use:
/// <c>@name = value</c> file variables, <c>{{name}}</c>, <c># @name x</c> with
/// <c>{{x.response.body.$.path[0]}}</c> references to earlier JSON responses, headers and a body.
/// Anything else is an error, never a guess.
/// </summary>
public sealed partial class HttpFile
{
    private static readonly HashSet<string> Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private HttpFile(Dictionary<string, string> variables, List<HttpFileRequest> requests) =>
        (Variables, Requests) = (variables, requests);

    public IReadOnlyDictionary<string, string> Variables { get; }
    public IReadOnlyList<HttpFileRequest> Requests { get; }

    public static HttpFile Parse(string text)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<HttpFileRequest>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        string? name = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith("###", StringComparison.Ordinal)) continue;
            if (NameLine().Match(line) is { Success: true } named)
            {
                name = named.Groups[1].Value;
                continue;
            }
            if (line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal)) continue;
            if (VariableLine().Match(line) is { Success: true } variable)
            {
                variables[variable.Groups[1].Value] = variable.Groups[2].Value.Trim();
                continue;
            }

            // A request: its line, headers up to a blank line, then the body up to the next ###.
            var start = i + 1;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 2 or > 3 || !Methods.Contains(parts[0]))
                throw new FormatException($"line {start}: expected 'METHOD URL [HTTP/1.1]', got '{line}'");
            var headers = new List<(string, string)>();
            for (i++; i < lines.Length && lines[i].Trim().Length > 0 && !lines[i].StartsWith("###", StringComparison.Ordinal); i++)
            {
                if (lines[i].TrimStart().StartsWith('#')) continue;
                var colon = lines[i].IndexOf(':');
                if (colon <= 0) throw new FormatException($"line {i + 1}: expected 'Header: value', got '{lines[i]}'");
                headers.Add((lines[i][..colon].Trim(), lines[i][(colon + 1)..].Trim()));
            }
            var body = new StringBuilder();
            for (; i < lines.Length && !lines[i].StartsWith("###", StringComparison.Ordinal); i++) body.Append(lines[i]).Append('\n');
            var content = body.ToString().Trim();
            requests.Add(new HttpFileRequest(start, name, parts[0], parts[1], headers, content.Length == 0 ? null : content));
            name = null;
            i--; // the ### line, if any, is the loop's to skip
        }
        return new HttpFile(variables, requests);
    }

    /// <summary>Sends the requests one after another, as a person clicking "Send Request" down the file would.</summary>
    public sealed class Runner(HttpFile file, HttpClient client, IReadOnlyDictionary<string, string> overrides)
    {
        private readonly Dictionary<string, JsonElement> _responses = new(StringComparer.Ordinal);

        public async Task<HttpFileResponse> SendAsync(HttpFileRequest request)
        {
            var url = Substitute(request.Url);
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), url);
            if (request.Body is not null) message.Content = new StringContent(Substitute(request.Body), Encoding.UTF8);
            foreach (var (name, raw) in request.Headers)
            {
                var value = Substitute(raw);
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    (message.Content ?? throw new FormatException($"line {request.Line}: Content-Type without a body")).Headers.ContentType =
                        MediaTypeHeaderValue.Parse(value);
                else if (!message.Headers.TryAddWithoutValidation(name, value))
                    message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            if (request.Name is not null && response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true)
                _responses[request.Name] = JsonDocument.Parse(body).RootElement.Clone();
            return new HttpFileResponse(request.Method, url, (int)response.StatusCode, body);
        }

        /// <summary>Replaces every <c>{{…}}</c>: a file variable (itself substituted), or a value of a named response.</summary>
        public string Substitute(string template, int depth = 0)
        {
            if (depth > 10) throw new FormatException($"variables nest too deep (a cycle?) in '{template}'");
            return Placeholder().Replace(template, match =>
            {
                var reference = match.Groups[1].Value;
                if (overrides.TryGetValue(reference, out var fixedValue)) return fixedValue;
                if (file.Variables.TryGetValue(reference, out var value)) return Substitute(value, depth + 1);
                if (ResponseReference().Match(reference) is not { Success: true } named)
                    throw new FormatException($"unknown variable {{{{{reference}}}}}");
                if (!_responses.TryGetValue(named.Groups[1].Value, out var json))
                    throw new FormatException($"{{{{{reference}}}}}: no earlier request named '{named.Groups[1].Value}' answered JSON");
                return Select(json, named.Groups[2].Value, reference);
            });
        }

        /// <summary>A dotted JSONPath with [n] indices: <c>$.futureIds[0]</c>. Strings come out bare, anything else as JSON.</summary>
        private static string Select(JsonElement json, string path, string reference)
        {
            foreach (Match step in PathStep().Matches(path))
            {
                var found = step.Groups[1].Success
                    ? PropertyOf(json, step.Groups[1].Value, out var next)
                    : ElementAt(json, int.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture), out next);
                if (!found) throw new FormatException($"{{{{{reference}}}}}: the response has nothing at '{step.Value}'");
                json = next;
            }
            return json.ValueKind == JsonValueKind.String ? json.GetString()! : json.GetRawText();
        }

        private static bool PropertyOf(JsonElement json, string name, out JsonElement property)
        {
            property = default;
            return json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out property);
        }

        private static bool ElementAt(JsonElement array, int index, out JsonElement element)
        {
            var found = array.ValueKind == JsonValueKind.Array && index < array.GetArrayLength();
            element = found ? array[index] : default;
            return found;
        }
    }

    [GeneratedRegex(@"^(?:#|//)\s*@name\s+(\w+)\s*$")]
    private static partial Regex NameLine();

    [GeneratedRegex(@"^@(\w+)\s*=(.*)$")]
    private static partial Regex VariableLine();

    [GeneratedRegex(@"\{\{\s*(.+?)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(\w+)\.response\.body\.(\$(?:\.\w+|\[\d+\])*)$")]
    private static partial Regex ResponseReference();

    [GeneratedRegex(@"\.(\w+)|\[(\d+)\]")]
    private static partial Regex PathStep();
}
