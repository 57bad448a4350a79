using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Testing;

/// <summary>
/// A deterministic OpenAI-compatible model server over real HTTP (Kestrel on a free port of 127.0.0.1), for
/// integration and end-to-end tests. It serves
/// <list type="bullet">
/// <item><c>POST /v1/chat/completions</c> and <c>POST /v1/embeddings</c> (plain OpenAI; point <c>OpenAI__Endpoint</c> at <see cref="OpenAIEndpoint"/>),</item>
/// <item><c>POST /openai/deployments/{deployment}/chat/completions</c> and <c>.../embeddings</c> (Azure OpenAI, any
/// <c>api-version</c>; point <c>AzureOpenAI__Endpoint</c> at <see cref="AzureEndpoint"/>, any <c>AzureOpenAI__ApiKey</c>).</item>
/// </list>
/// Chat answers non-streaming or, with <c>"stream": true</c>, as SSE chunks (one per word) followed by a usage chunk when
/// the client asks for <c>stream_options.include_usage</c> (the OpenAI .NET client does). Tokens are counted as
/// whitespace-separated words. By default the answer is <see cref="DefaultResponder"/>: <c>"Echo: {last user message}"</c>,
/// or, when the last message is a tool result, <c>"Tool result: {content}"</c>. Tests script what comes next with
/// <see cref="Enqueue"/> (faults, delays, fixed replies, tool calls) and inspect every request in <see cref="Requests"/>.
/// Dispose it to stop it.
/// </summary>
/// <example>
/// <code>
/// await using var server = await OpenAiTestServer.StartAsync();
/// server.Enqueue(OpenAiScript.Fault(429, retryAfter: TimeSpan.FromSeconds(1)), OpenAiScript.Fault(500));
/// // ... configure OpenAI__Endpoint = server.OpenAIEndpoint, OpenAI__ChatModel = "test-model", call the app ...
/// Assert.Equal(3, server.ChatRequests.Count);
/// Assert.Equal("You are terse.", server.ChatRequests[^1].SystemPrompt);
/// </code>
/// </example>
public sealed class OpenAiTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<OpenAiScript> _script = new();
    private readonly List<(string LastUserMessage, OpenAiScript Step)> _bound = [];
    private readonly List<OpenAiRecordedRequest> _requests = [];
    private readonly object _gate = new();
    private int _sequence;

    private OpenAiTestServer(WebApplication app, Uri baseUri, int embeddingDimensions)
    {
        _app = app;
        BaseUri = baseUri;
        EmbeddingDimensions = embeddingDimensions;
    }

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The base for a plain OpenAI client (<c>OpenAIClientOptions.Endpoint</c>, <c>OpenAI__Endpoint</c>): <c>{BaseUri}v1/</c>.</summary>
    public Uri OpenAIEndpoint => new(BaseUri, "v1/");

    /// <summary>The endpoint for an <c>AzureOpenAIClient</c> (<c>AzureOpenAI__Endpoint</c>).</summary>
    public Uri AzureEndpoint => BaseUri;

    /// <summary>Length of embedding vectors when the request names no <c>dimensions</c>. Default 64.</summary>
    public int EmbeddingDimensions { get; set; }

    /// <summary>Whether streamed answers end with a usage chunk when the client asks for one (default true); false imitates servers that send none.</summary>
    public bool StreamUsage { get; set; } = true;

    /// <summary>A pause before each streamed chunk (default none), for clients that must not cut a slow stream.</summary>
    public TimeSpan StreamChunkDelay { get; set; }

    /// <summary>Makes the text of an unscripted chat answer. Default: <see cref="DefaultResponder"/>.</summary>
    public Func<OpenAiRecordedRequest, string> Responder { get; set; } = DefaultResponder;

    /// <summary>Every request received, in order (a snapshot).</summary>
    public IReadOnlyList<OpenAiRecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The chat completion requests received, in order.</summary>
    public IReadOnlyList<OpenAiRecordedRequest> ChatRequests => [.. Requests.Where(r => r.Kind == OpenAiRequestKind.ChatCompletion)];

    /// <summary>The embedding requests received, in order.</summary>
    public IReadOnlyList<OpenAiRecordedRequest> EmbeddingRequests => [.. Requests.Where(r => r.Kind == OpenAiRequestKind.Embeddings)];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    public static async Task<OpenAiTestServer> StartAsync(int embeddingDimensions = 64, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        OpenAiTestServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new OpenAiTestServer(app, new Uri(address.TrimEnd('/') + "/"), embeddingDimensions);
        return server;
    }

    /// <summary>Queues scripted behaviour for the next requests, one step per request, in order. Embedding requests only take <see cref="OpenAiScript.Fault"/> and <see cref="OpenAiScript.Wait"/> steps.</summary>
    public void Enqueue(params OpenAiScript[] steps)
    {
        lock (_gate)
        {
            foreach (var step in steps)
            {
                _script.Enqueue(step);
            }
        }
    }

    /// <summary>
    /// Scripted behaviour for the next chat request whose last user message is <paramref name="lastUserMessage"/>, ahead of
    /// <see cref="Enqueue"/>'s order: no other request (a late one of an earlier test) can take it.
    /// </summary>
    public void EnqueueFor(string lastUserMessage, OpenAiScript step)
    {
        lock (_gate)
        {
            _bound.Add((lastUserMessage, step));
        }
    }

    /// <summary>Forgets recorded requests and unconsumed script steps.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _script.Clear();
            _bound.Clear();
            _requests.Clear();
        }
    }

    /// <summary><c>"Tool result: {content}"</c> after a tool message, else <c>"Echo: {last user message}"</c>.</summary>
    public static string DefaultResponder(OpenAiRecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var last = request.Messages.Count > 0 ? request.Messages[^1] : null;
        return last is { Role: "tool" } ? $"Tool result: {last.Content}" : $"Echo: {request.LastUserMessage}";
    }

    /// <summary>
    /// The server's embedding of a text: a hashed bag of words (lower-cased runs of letters and digits, FNV-1a into
    /// <paramref name="dimensions"/> buckets with a sign bit), L2-normalized. Texts that share words are similar.
    /// </summary>
    public static float[] Embed(string text, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vector = new float[dimensions];
        foreach (var word in Words(text))
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(word))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }

            vector[(int)(hash % (ulong)dimensions)] += (hash >> 63) == 0 ? 1f : -1f;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm == 0)
        {
            vector[0] = 1;
            return vector;
        }

        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= norm;
        }

        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
    }

    private static int CountTokens(string? text) => string.IsNullOrWhiteSpace(text) ? 0 : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private async Task HandleAsync(HttpContext context)
    {
        var (kind, deployment) = Classify(context.Request.Path.Value ?? string.Empty);
        if (kind is null || !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new OpenAiRecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, kind.Value, deployment, body, headers);
        OpenAiScript? step;
        lock (_gate)
        {
            _requests.Add(recorded);
            var bound = kind == OpenAiRequestKind.ChatCompletion ? _bound.FindIndex(b => b.LastUserMessage == recorded.LastUserMessage) : -1;
            if (bound >= 0)
            {
                step = _bound[bound].Step;
                _bound.RemoveAt(bound);
            }
            else
            {
                step = _script.TryPeek(out var next) && (kind == OpenAiRequestKind.ChatCompletion || next.Kind is OpenAiScriptKind.Fault or OpenAiScriptKind.Delay)
                    ? _script.Dequeue()
                    : null;
            }
        }

        switch (step?.Kind)
        {
            case OpenAiScriptKind.Fault:
                context.Response.StatusCode = step.Status;
                if (step.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                recorded.EndStream(abandoned: false);
                await context.Response.WriteAsJsonAsync(new { error = new { message = $"Scripted fault {step.Status}.", type = "test_fault", code = step.Status.ToString(CultureInfo.InvariantCulture) } }).ConfigureAwait(false);
                return;
            case OpenAiScriptKind.Delay:
                try
                {
                    await Task.Delay(step.Delay, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    recorded.EndWait(abandoned: true);
                    recorded.EndStream(abandoned: true);
                    return;
                }

                recorded.EndWait(abandoned: false);
                step = null;
                break;
            default:
                recorded.EndWait(abandoned: false);
                break;
        }

        if (!recorded.Stream || kind == OpenAiRequestKind.Embeddings)
        {
            recorded.EndStream(abandoned: false);
        }

        if (kind == OpenAiRequestKind.Embeddings)
        {
            await WriteEmbeddingsAsync(context, recorded).ConfigureAwait(false);
            return;
        }

        var id = $"chatcmpl-{Interlocked.Increment(ref _sequence)}";
        var model = recorded.Model ?? deployment ?? "test-model";
        var toolCall = step?.Kind == OpenAiScriptKind.ToolCall ? step : null;
        var repeat = step?.Repeat ?? 1;
        var text = toolCall is null ? step?.Text ?? Responder(recorded) : null;
        var promptTokens = recorded.Messages.Sum(m => CountTokens(m.Content));
        var completionTokens = toolCall is null ? CountTokens(text) * repeat : CountTokens(toolCall.Arguments) + 1;
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (!recorded.Stream)
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = repeat > 1 ? string.Concat(Enumerable.Repeat(text, repeat)) : text };
            if (toolCall is not null)
            {
                message["tool_calls"] = new JsonArray(ToolCallJson(toolCall, $"call_{id}", index: null));
            }

            var completion = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = toolCall is null ? "stop" : "tool_calls" }),
                ["usage"] = usage,
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(completion.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        try
        {
            await StreamAsync(context, recorded, id, model, created, toolCall, repeat > 1 ? Enumerable.Repeat(text!, repeat) : Pieces(text ?? string.Empty), usage).ConfigureAwait(false);
            recorded.EndStream(abandoned: false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            recorded.EndStream(abandoned: true);
        }
    }

    private async Task StreamAsync(HttpContext context, OpenAiRecordedRequest recorded, string id, string model, long created, OpenAiScript? toolCall, IEnumerable<string> pieces, JsonObject usage)
    {
        // Headers go out at once, as real servers do; the chunks follow (after StreamChunkDelay each).
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        JsonObject Chunk(JsonObject? delta, string? finishReason) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };

        if (toolCall is not null)
        {
            await WriteChunkAsync(context, Chunk(new JsonObject { ["role"] = "assistant", ["tool_calls"] = new JsonArray(ToolCallJson(toolCall, $"call_{id}", index: 0)) }, null)).ConfigureAwait(false);
            await WriteChunkAsync(context, Chunk(new JsonObject(), "tool_calls")).ConfigureAwait(false);
        }
        else
        {
            var first = true;
            foreach (var piece in pieces)
            {
                var delta = new JsonObject { ["content"] = piece };
                if (first)
                {
                    delta["role"] = "assistant";
                    first = false;
                }

                await WriteChunkAsync(context, Chunk(delta, null)).ConfigureAwait(false);
            }

            await WriteChunkAsync(context, Chunk(new JsonObject(), "stop")).ConfigureAwait(false);
        }

        if (StreamUsage && recorded.Json.TryGetProperty("stream_options", out var streamOptions)
            && streamOptions.ValueKind == JsonValueKind.Object
            && streamOptions.TryGetProperty("include_usage", out var includeUsage) && includeUsage.ValueKind == JsonValueKind.True)
        {
            var chunk = Chunk(null, null);
            chunk["usage"] = usage;
            await WriteChunkAsync(context, chunk).ConfigureAwait(false);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
    }

    private static (OpenAiRequestKind? Kind, string? Deployment) Classify(string path)
    {
        switch (path)
        {
            case "/v1/chat/completions" or "/openai/v1/chat/completions":
                return (OpenAiRequestKind.ChatCompletion, null);
            case "/v1/embeddings" or "/openai/v1/embeddings":
                return (OpenAiRequestKind.Embeddings, null);
        }

        const string Prefix = "/openai/deployments/";
        if (path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var rest = path[Prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                var deployment = Uri.UnescapeDataString(rest[..slash]);
                return rest[(slash + 1)..] switch
                {
                    "chat/completions" => (OpenAiRequestKind.ChatCompletion, deployment),
                    "embeddings" => (OpenAiRequestKind.Embeddings, deployment),
                    _ => (null, null),
                };
            }
        }

        return (null, null);
    }

    /// <summary>The answer in streamed pieces: the first word, then each following word with its leading space.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            yield return i == 0 ? words[i] : " " + words[i];
        }
    }

    private static JsonObject ToolCallJson(OpenAiScript toolCall, string callId, int? index)
    {
        var call = new JsonObject
        {
            ["id"] = callId,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = toolCall.ToolName, ["arguments"] = toolCall.Arguments },
        };
        if (index is { } i)
        {
            call["index"] = i;
        }

        return call;
    }

    private async Task WriteChunkAsync(HttpContext context, JsonObject chunk)
    {
        if (StreamChunkDelay > TimeSpan.Zero)
        {
            await Task.Delay(StreamChunkDelay, context.RequestAborted).ConfigureAwait(false);
        }

        await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteEmbeddingsAsync(HttpContext context, OpenAiRecordedRequest request)
    {
        var json = request.Json;
        var inputs = json.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
            : [input.ValueKind == JsonValueKind.String ? input.GetString()! : string.Empty];
        var dimensions = json.TryGetProperty("dimensions", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : EmbeddingDimensions;
        var base64 = json.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Embed(inputs[i], dimensions);
            JsonNode embedding;
            if (base64)
            {
                var bytes = new byte[vector.Length * sizeof(float)];
                for (var j = 0; j < vector.Length; j++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * sizeof(float)), vector[j]);
                }

                embedding = Convert.ToBase64String(bytes);
            }
            else
            {
                embedding = new JsonArray([.. vector.Select(v => (JsonNode)v)]);
            }

            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        var tokens = inputs.Sum(CountTokens);
        var response = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = request.Model ?? request.Deployment ?? "test-embedding",
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}

public enum OpenAiRequestKind
{
    ChatCompletion,
    Embeddings,
}

public enum OpenAiScriptKind
{
    Fault,
    Delay,
    Reply,
    ToolCall,
}

/// <summary>One scripted answer of <see cref="OpenAiTestServer"/>, consumed by one request.</summary>
public sealed record OpenAiScript(OpenAiScriptKind Kind, int Status = 200, TimeSpan? RetryAfter = null, TimeSpan Delay = default,
    string? Text = null, string? ToolName = null, string? Arguments = null, int Repeat = 1)
{
    /// <summary>Answer with this status (e.g. 429, 500) and an OpenAI-style error body; with <paramref name="retryAfter"/> a <c>Retry-After</c> header (whole seconds).</summary>
    public static OpenAiScript Fault(int status, TimeSpan? retryAfter = null) => new(OpenAiScriptKind.Fault, status, retryAfter);

    /// <summary>Wait this long, then answer normally (for client timeouts).</summary>
    public static OpenAiScript Wait(TimeSpan delay) => new(OpenAiScriptKind.Delay, Delay: delay);

    /// <summary>Answer a chat request with exactly this text.</summary>
    public static OpenAiScript Reply(string text) => new(OpenAiScriptKind.Reply, Text: text);

    /// <summary>Answer a chat request with <paramref name="piece"/> <paramref name="times"/> times over, streamed as one chunk per piece (a long answer that costs the server no memory).</summary>
    public static OpenAiScript RepeatedReply(string piece, int times) => new(OpenAiScriptKind.Reply, Text: piece, Repeat: times);

    /// <summary>Answer a chat request by asking to call tool <paramref name="name"/> with these JSON arguments; the next request carries the tool's result.</summary>
    public static OpenAiScript CallTool(string name, string argumentsJson) => new(OpenAiScriptKind.ToolCall, ToolName: name, Arguments: argumentsJson);
}

/// <summary>A chat message as the server received it (text parts joined).</summary>
public sealed record OpenAiRecordedMessage(string Role, string? Content, string? ToolCallId);

/// <summary>One request the server received, with the fields tests usually check.</summary>
public sealed record OpenAiRecordedRequest(
    string Method, string PathAndQuery, OpenAiRequestKind Kind, string? Deployment, string Body, IReadOnlyDictionary<string, string> Headers)
{
    private readonly TaskCompletionSource<bool> _abandonedDuringWait = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _streamAbandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JsonElement? _json;

    /// <summary>
    /// For a request the script held with <see cref="OpenAiScript.Wait"/>: completes with true when the client gave up
    /// (aborted the request) before the wait ran out, false when the wait ran out; false at once for any other
    /// request. Proves a client-side timeout without timing the client.
    /// </summary>
    public Task<bool> AbandonedDuringWait => _abandonedDuringWait.Task;

    /// <summary>
    /// Completes when the server is done with the request: true when a streamed answer was cut because the client went
    /// away before its end, false otherwise. Proves that a client stopped reading the model's stream, and when.
    /// </summary>
    public Task<bool> StreamAbandoned => _streamAbandoned.Task;

    /// <summary>The parsed body.</summary>
    public JsonElement Json => _json ??= JsonDocument.Parse(Body.Length == 0 ? "{}" : Body).RootElement.Clone();

    /// <summary>The body's <c>model</c> (Azure clients may omit it; see <see cref="Deployment"/>).</summary>
    public string? Model => String("model");

    public bool Stream => Json.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;

    public double? Temperature => Json.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : null;

    /// <summary><c>max_completion_tokens</c>, or the older <c>max_tokens</c>.</summary>
    public int? MaxTokens =>
        Json.TryGetProperty("max_completion_tokens", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32()
        : Json.TryGetProperty("max_tokens", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32()
        : null;

    /// <summary>The names of the tools offered to the model.</summary>
    public IReadOnlyList<string> ToolNames =>
        Json.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array
            ? [.. tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()!)]
            : [];

    public IReadOnlyList<OpenAiRecordedMessage> Messages =>
        Json.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
            ? [.. messages.EnumerateArray().Select(m => new OpenAiRecordedMessage(
                m.GetProperty("role").GetString()!,
                Content(m),
                m.TryGetProperty("tool_call_id", out var id) ? id.GetString() : null))]
            : [];

    /// <summary>The first system (or developer) message's text.</summary>
    public string? SystemPrompt => Messages.FirstOrDefault(m => m.Role is "system" or "developer")?.Content;

    public string? LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content;

    internal void EndWait(bool abandoned) => _abandonedDuringWait.TrySetResult(abandoned);

    internal void EndStream(bool abandoned) => _streamAbandoned.TrySetResult(abandoned);

    private string? String(string name) => Json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Content(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return null;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString(),
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(p => p.TryGetProperty("text", out _))
                .Select(p => p.GetProperty("text").GetString())),
            _ => null,
        };
    }
}
