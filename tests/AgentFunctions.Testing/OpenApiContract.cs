using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Json.Schema;

namespace AgentFunctions.Testing;

/// <summary>
/// The app's OpenAPI document as a contract for real responses: finds the operation for a request's method and
/// path, and checks that the response's status is documented, its media type is one documented for that status,
/// and its body (JSON, or each server-sent event) validates against the document's schema (JsonSchema.Net,
/// formats enforced). <see cref="OpenApiContractHandler"/> applies it to every response a test client receives.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly Uri DocumentUri = new("https://agentfunctions.test/openapi.json");
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    private readonly JsonElement _document;
    private readonly BuildOptions _build;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public OpenApiContract(string documentJson)
    {
        _document = JsonDocument.Parse(documentJson).RootElement.Clone();
        var registry = new SchemaRegistry();
        registry.Register(DocumentUri, new JsonElementBaseDocument(_document, DocumentUri));
        _build = new BuildOptions { SchemaRegistry = registry };
    }

    /// <summary>The document as parsed.</summary>
    public JsonElement Document => _document;

    /// <summary>Every documented (METHOD, path template) pair, e.g. <c>("GET", "/api/jobs/{jobId}")</c>.</summary>
    public IEnumerable<(string Method, string Path, string? OperationId)> Operations() =>
        from path in _document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where Methods.Contains(operation.Name)
        select (operation.Name.ToUpperInvariant(), path.Name,
            operation.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null);

    /// <summary>
    /// Checks <paramref name="response"/> to <paramref name="request"/> (routes outside <c>/api/</c> are not the
    /// app's and are not checked). A JSON body is buffered, so the caller can still read it; an event stream is
    /// checked as the caller reads it, when it ends. Throws <see cref="OpenApiContractException"/> on a mismatch.
    /// </summary>
    public async Task CheckAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return;
        }

        var method = request.Method.Method.ToLowerInvariant();
        var status = (int)response.StatusCode;
        var what = $"{request.Method} {path} -> {status}";
        if (FindOperation(path, method) is not var (template, operation))
        {
            // Only the host's own answer for a route no function has may be missing from the document.
            if (status is 404 or 405)
            {
                return;
            }

            throw new OpenApiContractException($"{what}: no operation in the OpenAPI document matches {request.Method} {path}.");
        }

        var pointer = $"/paths/{Escape(template)}/{method}/responses";
        var responses = operation.GetProperty("responses");
        var key = new[] { status.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{status / 100}XX", "default" }
            .FirstOrDefault(k => responses.TryGetProperty(k, out _))
            ?? throw new OpenApiContractException($"{what}: status {status} is not documented for {method.ToUpperInvariant()} {template}.");
        pointer += "/" + Escape(key);
        var documented = Resolve(responses.GetProperty(key), ref pointer);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var body = mediaType == "text/event-stream" ? null : await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!documented.TryGetProperty("content", out var content))
        {
            if (mediaType is not null || body is { Length: > 0 })
            {
                throw new OpenApiContractException($"{what}: the document says this response has no body, but it has {mediaType ?? "one"}.");
            }

            return;
        }

        if (mediaType is null || !content.TryGetProperty(mediaType, out var media))
        {
            throw new OpenApiContractException(
                $"{what}: content type '{mediaType ?? "(none)"}' is not documented (documented: {string.Join(", ", content.EnumerateObject().Select(p => p.Name))}).");
        }

        pointer += "/content/" + Escape(mediaType);
        if (mediaType == "text/event-stream")
        {
            if (media.TryGetProperty("x-sse-events", out var events))
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var checking = new StreamContent(new EventStreamCheck(stream, (name, data) => CheckEvent(what, events, pointer, name, data)));
                foreach (var header in response.Content.Headers)
                {
                    checking.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = checking;
            }

            return;
        }

        if (mediaType == "application/x-ndjson")
        {
            // A sequence: every line one record of the documented schema.
            var line = 0;
            foreach (var text in System.Text.Encoding.UTF8.GetString(body!).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                line++;
                JsonElement record;
                try
                {
                    record = JsonDocument.Parse(text).RootElement;
                }
                catch (JsonException e)
                {
                    throw new OpenApiContractException($"{what}: line {line} is not JSON ({e.Message}).");
                }

                Validate($"{what} (line {line})", pointer + "/schema", record);
            }

            return;
        }

        if (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal))
        {
            JsonElement instance;
            try
            {
                instance = JsonDocument.Parse(body!).RootElement;
            }
            catch (JsonException e)
            {
                throw new OpenApiContractException($"{what}: the body is not JSON ({e.Message}).");
            }

            Validate(what, pointer + "/schema", instance);
        }
    }

    /// <summary>Validates <paramref name="instance"/> against the schema at <paramref name="location"/> (a JSON pointer into the document).</summary>
    public void Validate(string what, string location, JsonElement instance)
    {
        var schema = _schemas.GetOrAdd(location, p => JsonSchema.FromText(
            JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = $"{DocumentUri}#{Uri.EscapeDataString(p).Replace("%2F", "/", StringComparison.Ordinal)}" }), _build));
        var result = schema.Evaluate(instance, Evaluation);
        if (!result.IsValid)
        {
            var errors = new StringBuilder();
            foreach (var detail in result.Details ?? [])
            {
                foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
                {
                    errors.Append($"\n  at '{detail.InstanceLocation}' ({keyword}): {message}");
                }
            }

            throw new OpenApiContractException($"{what}: the body does not match the document's schema ({location}):{errors}\n  body: {instance.GetRawText()}");
        }
    }

    private void CheckEvent(string what, JsonElement events, string pointer, string name, string data)
    {
        if (!events.TryGetProperty(name, out _))
        {
            throw new OpenApiContractException($"{what}: event '{name}' is not documented (documented: {string.Join(", ", events.EnumerateObject().Select(p => p.Name))}).");
        }

        using var json = JsonDocument.Parse(data);
        Validate($"{what} event '{name}'", $"{pointer}/x-sse-events/{Escape(name)}", json.RootElement);
    }

    /// <summary>The operation for a concrete path: literal segments must be equal, a <c>{parameter}</c> takes any one segment; literal matches win.</summary>
    private (string Template, JsonElement Operation)? FindOperation(string path, string method)
    {
        var segments = path.Split('/');
        var best = default((string, JsonElement)?);
        var bestLiterals = -1;
        foreach (var candidate in _document.GetProperty("paths").EnumerateObject())
        {
            var template = candidate.Name.Split('/');
            if (template.Length != segments.Length || !candidate.Value.TryGetProperty(method, out var operation))
            {
                continue;
            }

            var literals = 0;
            var matches = true;
            for (var i = 0; i < template.Length && matches; i++)
            {
                var parameter = template[i].StartsWith('{') && template[i].EndsWith('}');
                matches = parameter ? segments[i].Length > 0 : string.Equals(template[i], WebUtility.UrlDecode(segments[i]), StringComparison.Ordinal);
                literals += parameter ? 0 : 1;
            }

            if (matches && literals > bestLiterals)
            {
                (best, bestLiterals) = ((candidate.Name, operation), literals);
            }
        }

        return best;
    }

    /// <summary>Follows a <c>$ref</c> to <c>#/components/...</c>, updating <paramref name="pointer"/> to where it leads.</summary>
    private JsonElement Resolve(JsonElement element, ref string pointer)
    {
        while (element.TryGetProperty("$ref", out var reference))
        {
            var target = reference.GetString()!;
            if (!target.StartsWith("#/", StringComparison.Ordinal))
            {
                throw new OpenApiContractException($"Only local references are supported, not '{target}'.");
            }

            pointer = target[1..];
            element = _document;
            foreach (var part in pointer.Split('/').Skip(1))
            {
                element = element.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }
        }

        return element;
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>A real response that the OpenAPI document does not describe.</summary>
public sealed class OpenApiContractException(string message) : Exception(message);
