using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAi;

/// <summary>
/// <c>POST /api/v1/chat/completions</c> on the org's agent (<see cref="IChatAgent"/>): stateless, metered, quota-checked
/// and with the org's knowledge and tools like every run; nothing is stored as a conversation.
/// </summary>
internal sealed class OpenAiChatCompletions(IChatAgent agent, OpenAiModels models, TimeProvider time)
{
    /// <summary>Parses and validates the body (400 naming the field) and checks the model (404 <c>model_not_found</c>).</summary>
    public async Task<ChatCompletionRequest> ReadAsync(OrgId orgId, JsonElement body, CancellationToken cancellationToken)
    {
        var request = ChatCompletionRequest.Parse(body);
        await models.EnsureExistsAsync(orgId, request.Model, cancellationToken).ConfigureAwait(false);
        return request;
    }

    public async Task<ChatCompletion> CompleteAsync(OrgId orgId, ChatCompletionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var completion = await agent.CompleteAsync(orgId, request.Call, cancellationToken).ConfigureAwait(false);
        var message = new ChatCompletionMessage(completion.Text.Length > 0 ? completion.Text : null, ToolCalls(completion, indexed: false));
        return new ChatCompletion(NewId(), Now(), request.Model, [new ChatChoice(0, message, FinishReason(completion))], Usage(completion));
    }

    /// <summary>
    /// The answer as <c>chat.completion.chunk</c> events: role with the first text, the text deltas, the client's tool calls,
    /// the finish reason, and the usage when <c>stream_options.include_usage</c> asked for it. A failure before the first
    /// event is an ordinary error response; after it, one <c>{"error": ...}</c> event ends the stream.
    /// </summary>
    public async IAsyncEnumerable<OpenAiEvent> StreamAsync(OrgId orgId, ChatCompletionRequest request, string traceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = NewId();
        var created = Now();
        ChatCompletionChunk Chunk(ChatDelta delta, string? finishReason = null) => new(id, created, request.Model, [new ChatChunkChoice(delta, finishReason)]);

        var updates = agent.CompleteStreamingAsync(orgId, request.Call, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            var started = false;
            while (true)
            {
                ExceptionDispatchInfo? failure = null;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (started && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }

                if (failure is not null)
                {
                    yield return new OpenAiEvent(null, OpenAiError.From(StorageFailures.AsApiError(failure.SourceException, cancellationToken), traceId));
                    failure.Throw();
                }

                var update = updates.Current;
                if (update.Delta is { Length: > 0 } delta)
                {
                    yield return new OpenAiEvent(null, Chunk(new ChatDelta(started ? null : "assistant", delta)));
                    started = true;
                }
                else if (update.Completion is { } completion)
                {
                    if (ToolCalls(completion, indexed: true) is { } calls)
                    {
                        yield return new OpenAiEvent(null, Chunk(new ChatDelta(started ? null : "assistant", ToolCalls: calls)));
                    }

                    yield return new OpenAiEvent(null, Chunk(new ChatDelta(), FinishReason(completion)));
                    if (request.IncludeUsage)
                    {
                        yield return new OpenAiEvent(null, new ChatCompletionChunk(id, created, request.Model, [], Usage(completion)));
                    }
                }
            }
        }
    }

    private static List<ChatToolCall>? ToolCalls(AgentCompletion completion, bool indexed) =>
        completion.ClientCalls.Count == 0 ? null
        : [.. completion.ClientCalls.Select((c, i) => new ChatToolCall(c.CallId, new ChatFunctionCall(c.Name, Arguments(c)), indexed ? i : null))];

    public static string Arguments(FunctionCallContent call) => JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

    private static string FinishReason(AgentCompletion completion) =>
        completion.ClientCalls.Count > 0 ? "tool_calls"
        : completion.FinishReason == ChatFinishReason.Length ? "length"
        : completion.FinishReason == ChatFinishReason.ContentFilter ? "content_filter"
        : "stop";

    private static ChatUsage Usage(AgentCompletion completion) => new(completion.Usage.InputTokens, completion.Usage.OutputTokens);

    private static string NewId() => $"chatcmpl-{Identifiers.NewId()}";

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();
}
