using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.OpenAi;

/// <summary>
/// <c>/api/v1/responses</c> on the org's agent. A response is stored per org (unless <c>store: false</c>) and a chain of
/// <c>previous_response_id</c>s is one conversation of the conversation memory: each completed turn is appended to it
/// (O(window) history per call, visible in <c>/api/conversations</c>). A response that ends with calls of client tools
/// stores no turn; it keeps the pending messages, and the response that brings the calls' outputs completes the turn.
/// Another org's response id is the same 404 as a missing one, answered before the model is called. A model failure
/// stores nothing.
/// </summary>
internal sealed partial class OpenAiResponses(IChatAgent agent, OpenAiModels models, ResponseStore store, TimeProvider time, ILogger<OpenAiResponses> logger)
{
    /// <summary>Most user text of one turn, as on <c>/api/agent/run</c> (the turn is stored).</summary>
    public const int MaxInputCharacters = AgentRunRequest.MaxInputLength;

    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement;
    private static readonly JsonElement Auto = JsonDocument.Parse("\"auto\"").RootElement;
    private static readonly JsonElement TextFormat = JsonDocument.Parse("""{"format":{"type":"text"}}""").RootElement;

    /// <summary>Parses (400 naming the field), checks the model (404) and resolves the chain (404 for a response not of this org).</summary>
    public async Task<PreparedResponse> ReadAsync(OrgId orgId, JsonElement body, CancellationToken cancellationToken)
    {
        var request = ResponseCreateRequest.Parse(body);
        await models.EnsureExistsAsync(orgId, request.Model, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ChatMessage> pending = [];
        var conversationId = request.ConversationId;
        if (request.PreviousResponseId is { } previousId)
        {
            var previous = await store.FindAsync(orgId, previousId, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiException(404, ErrorCodes.NotFound, $"Response '{previousId}' was not found.") { Field = "previous_response_id" };
            conversationId = previous.ConversationId;
            pending = previous.Pending ?? [];
        }

        List<ChatMessage> messages = [.. pending, .. request.Input];
        EnsureCallsAnswered(messages, pending);
        var userText = string.Join("\n\n", messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
        if (userText.Length == 0)
        {
            throw OpenAiRequestReader.Invalid("input", "must contain a user message (or answer the calls of the previous response).");
        }

        if (userText.Length > MaxInputCharacters)
        {
            throw ApiException.PayloadTooLarge($"The input is longer than {MaxInputCharacters} characters.");
        }

        var continues = conversationId is not null;
        var call = new AgentCall(messages)
        {
            ConversationId = continues || !request.Store ? conversationId : Identifiers.NewId(),
            NewConversation = !continues,
            Store = request.Store,
            TurnInput = userText,
            Instructions = request.Instructions,
            Options = request.Options,
            Agent = request.Model,
        };
        return new PreparedResponse(request, call, $"resp_{Identifiers.NewId()}", time.GetUtcNow().ToUnixTimeSeconds());
    }

    public async Task<ResponseObject> CreateAsync(OrgId orgId, PreparedResponse prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var completion = await agent.CompleteAsync(orgId, prepared.Call, cancellationToken).ConfigureAwait(false);
        var response = Completed(prepared, completion, $"msg_{Identifiers.NewId()}");
        await SaveAsync(orgId, prepared, response, completion, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>
    /// The documented event sequence, each with its <c>sequence_number</c>: <c>response.created</c>, <c>response.in_progress</c>,
    /// the message's <c>output_item.added</c>, <c>content_part.added</c>, <c>output_text.delta</c>…, <c>output_text.done</c>,
    /// <c>content_part.done</c>, <c>output_item.done</c>, client tool calls as <c>function_call</c> items, then
    /// <c>response.completed</c> (the response is stored before it) — or <c>response.failed</c> once the stream has started.
    /// It starts with the model's first output, so a refusal before it (quota, model down) is an ordinary error response.
    /// </summary>
    public async IAsyncEnumerable<OpenAiEvent> StreamAsync(OrgId orgId, PreparedResponse prepared, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var sequence = 0;
        OpenAiEvent Event(string type, ResponseObject? response = null, int? outputIndex = null, ResponseItem? item = null, string? itemId = null,
            int? contentIndex = null, ResponseContentPart? part = null, string? delta = null, string? text = null, string? arguments = null) =>
            new(type, new ResponseStreamEvent(type, sequence++, response, outputIndex, item, itemId, contentIndex, part, delta, text, arguments));

        var messageId = $"msg_{Identifiers.NewId()}";
        var started = false;
        var messageStarted = false;
        var updates = agent.CompleteStreamingAsync(orgId, prepared.Call, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                ExceptionDispatchInfo? failure = null;
                string? delta = null;
                ResponseObject? completed = null;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    delta = updates.Current.Delta;
                    if (updates.Current.Completion is { } completion)
                    {
                        completed = Completed(prepared, completion, messageId);
                        await SaveAsync(orgId, prepared, completed, completion, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (started && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }

                if (failure is not null)
                {
                    var error = OpenAiError.From(StorageFailures.AsApiError(failure.SourceException, cancellationToken), prepared.Id).Error;
                    yield return Event("response.failed", Response(prepared, "failed", [], null) with { Error = new ResponseErrorInfo(error.Code, error.Message) });
                    failure.Throw();
                }

                if (!started)
                {
                    var initial = Response(prepared, "in_progress", [], null);
                    yield return Event("response.created", initial);
                    yield return Event("response.in_progress", initial);
                    started = true;
                }

                if (!messageStarted && (delta is { Length: > 0 } || completed?.Output.Any(i => i.Type == "message") == true))
                {
                    yield return Event("response.output_item.added", outputIndex: 0, item: new ResponseItem("message", messageId, "in_progress", "assistant", []));
                    yield return Event("response.content_part.added", outputIndex: 0, itemId: messageId, contentIndex: 0, part: new ResponseContentPart(string.Empty, []));
                    messageStarted = true;
                }

                if (delta is { Length: > 0 })
                {
                    yield return Event("response.output_text.delta", outputIndex: 0, itemId: messageId, contentIndex: 0, delta: delta);
                }

                if (completed is null)
                {
                    continue;
                }

                for (var index = 0; index < completed.Output.Count; index++)
                {
                    var item = completed.Output[index];
                    if (item.Type == "message")
                    {
                        var part = item.Content![0];
                        yield return Event("response.output_text.done", outputIndex: index, itemId: item.Id, contentIndex: 0, text: part.Text);
                        yield return Event("response.content_part.done", outputIndex: index, itemId: item.Id, contentIndex: 0, part: part);
                    }
                    else
                    {
                        yield return Event("response.output_item.added", outputIndex: index, item: item with { Status = "in_progress", Arguments = string.Empty });
                        yield return Event("response.function_call_arguments.done", outputIndex: index, itemId: item.Id, arguments: item.Arguments);
                    }

                    yield return Event("response.output_item.done", outputIndex: index, item: item);
                }

                yield return Event("response.completed", completed);
            }
        }
    }

    /// <summary>The org's stored response as it was returned; 404 (another org's included) otherwise.</summary>
    public async Task<string> GetJsonAsync(OrgId orgId, string responseId, CancellationToken cancellationToken)
    {
        EnsureResponseId(responseId);
        var found = await store.FindAsync(orgId, responseId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(responseId);
        return found.ResponseJson;
    }

    /// <summary>Deletes the stored response (its conversation stays; delete that through /api/conversations).</summary>
    public async Task<ResponseDeleted> DeleteAsync(OrgId orgId, string responseId, CancellationToken cancellationToken)
    {
        EnsureResponseId(responseId);
        return await store.DeleteAsync(orgId, responseId, cancellationToken).ConfigureAwait(false) ? new ResponseDeleted(responseId) : throw NotFound(responseId);
    }

    private static void EnsureResponseId(string responseId)
    {
        if (!ResponseCreateRequest.IsResponseId(responseId))
        {
            throw ApiException.InvalidRequest("response_id", "must be a response id (resp_ and 32 hex digits).");
        }
    }

    private static ApiException NotFound(string responseId) => ApiException.NotFound($"Response '{responseId}'");

    /// <summary>Every function output answers an earlier call, and every call pending from the previous response is answered.</summary>
    private static void EnsureCallsAnswered(List<ChatMessage> messages, IReadOnlyList<ChatMessage> pending)
    {
        var calls = new HashSet<string>(StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var content in messages.SelectMany(m => m.Contents))
        {
            if (content is FunctionCallContent call)
            {
                calls.Add(call.CallId);
            }
            else if (content is FunctionResultContent result)
            {
                if (!calls.Contains(result.CallId))
                {
                    throw OpenAiRequestReader.Invalid("input", $"holds a function_call_output for call '{result.CallId}', which no function_call of this chain made.");
                }

                answered.Add(result.CallId);
            }
        }

        var open = pending.SelectMany(m => m.Contents).OfType<FunctionCallContent>().FirstOrDefault(c => !answered.Contains(c.CallId));
        if (open is not null)
        {
            throw OpenAiRequestReader.Invalid("input", $"must carry a function_call_output for call '{open.CallId}' ({open.Name}) of the previous response.");
        }
    }

    private static ResponseObject Completed(PreparedResponse prepared, AgentCompletion completion, string messageId)
    {
        var output = new List<ResponseItem>();
        if (completion.Text.Length > 0)
        {
            // Knowledge citations: one file_citation per document, placed at the end of the text.
            var annotations = completion.Citations.Select(c => new ResponseAnnotation(c.DocumentId, c.Title, completion.Text.Length)).ToList();
            output.Add(new ResponseItem("message", messageId, "completed", "assistant", [new ResponseContentPart(completion.Text, annotations)]));
        }

        output.AddRange(completion.ClientCalls.Select(c => new ResponseItem(
            "function_call", $"fc_{Identifiers.NewId()}", "completed", CallId: c.CallId, Name: c.Name, Arguments: OpenAiChatCompletions.Arguments(c))));
        return Response(prepared, "completed", output, completion);
    }

    private static ResponseObject Response(PreparedResponse prepared, string status, IReadOnlyList<ResponseItem> output, AgentCompletion? completion)
    {
        var echo = prepared.Request.Echo;
        return new ResponseObject(
            prepared.Id, prepared.CreatedAt, status, prepared.Request.Model, output,
            completion is null ? null : new ResponseUsage(completion.Usage.InputTokens, completion.Usage.OutputTokens),
            prepared.Request.PreviousResponseId,
            prepared.Call.ConversationId is { } conversationId ? new ResponseConversation(conversationId) : null,
            prepared.Request.Store, echo.Instructions, prepared.Request.Metadata, echo.Temperature, echo.TopP, echo.MaxOutputTokens,
            echo.Tools ?? EmptyArray, echo.ToolChoice ?? Auto, echo.Text ?? TextFormat, echo.ParallelToolCalls, Error: null);
    }

    private async Task SaveAsync(OrgId orgId, PreparedResponse prepared, ResponseObject response, AgentCompletion completion, CancellationToken cancellationToken)
    {
        if (!prepared.Request.Store)
        {
            return;
        }

        List<ChatMessage>? pending = null;
        if (completion.ClientCalls.Count > 0)
        {
            var answer = new List<AIContent>();
            if (completion.Text.Length > 0)
            {
                answer.Add(new TextContent(completion.Text));
            }

            answer.AddRange(completion.ClientCalls);
            pending = [.. prepared.Call.Messages, new ChatMessage(ChatRole.Assistant, answer)];
        }

        await store.SaveAsync(orgId, new StoredResponse(prepared.Id, prepared.Call.ConversationId, JsonSerializer.Serialize(response, OpenAiJson.Options), pending), cancellationToken)
            .ConfigureAwait(false);
        LogStored(logger, orgId.Value, prepared.Id, prepared.Call.ConversationId, completion.Stored, pending is not null);
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Response {ResponseId} of org {OrgId} stored in conversation {ConversationId} (turn stored {TurnStored}, waiting for client tool outputs {Pending})")]
    private static partial void LogStored(ILogger logger, string orgId, string responseId, string? conversationId, bool turnStored, bool pending);
}
