using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// One agent run: validate → (a turn already stored under <c>turnId</c> is answered from memory) → the named agent
/// (404 before any model call) → quota → the org's settings with the agent's overrides and chat client → history
/// window (a conversation started by another agent is a 409) → context providers (knowledge) and tools, other agents
/// of the org among them → one model call loop (function invocation) → with a response format, the answer validated
/// (one retry, then 502) → the turn is stored → usage recorded. Nothing is stored when the model call fails, the
/// answer does not validate or a stream does not complete.
/// </summary>
internal sealed partial class Agent(
    IAgentDefinitionSource definitions,
    IOrgAgentSettingsSource settingsSource,
    IUsageMeter usageMeter,
    IConversationStore conversations,
    IModelClients models,
    IEnumerable<IAgentToolProvider> toolProviders,
    IEnumerable<IAgentContextProvider> contextProviders,
    IOptions<AgentOptions> options,
    TimeProvider time,
    AgentMetrics metrics,
    ILoggerFactory loggerFactory) : IAgent, IChatAgent
{
    /// <summary>Rough characters per token, for runs whose server reports no usage.</summary>
    internal const int CharactersPerToken = 4;

    /// <summary>How deep agents may call agents: the run's agent may call one that may call one more, which gets no agent tools.</summary>
    internal const int MaxAgentDepth = 2;

    private readonly ILogger _logger = loggerFactory.CreateLogger<Agent>();

    public async Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken)
    {
        Validate(request, turnId);
        if (turnId is not null && request.ConversationId is not null
            && await conversations.FindTurnAsync(orgId, request.ConversationId, turnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            LogReplayed(_logger, orgId.Value, request.ConversationId);
            return Replay(stored, request.ConversationId) with { Agent = request.Agent ?? AgentDefinition.DefaultName };
        }

        var run = await PrepareAsync(orgId, ForRequest(request), turnId, cancellationToken).ConfigureAwait(false);
        var (completion, replayed) = await RunCoreAsync(run, cancellationToken).ConfigureAwait(false);
        return replayed ?? Result(completion, run);
    }

    public async IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(
        OrgId orgId, AgentRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Validate(request, turnId: null);
        var run = await PrepareAsync(orgId, ForRequest(request), turnId: null, cancellationToken).ConfigureAwait(false);
        await foreach (var update in StreamCoreAsync(run, cancellationToken).ConfigureAwait(false))
        {
            yield return update.Completion is { } completion ? new AgentStreamUpdate(null, Result(completion, run)) : new AgentStreamUpdate(update.Delta, null);
        }
    }

    public async Task<AgentCompletion> CompleteAsync(OrgId orgId, AgentCall request, CancellationToken cancellationToken)
    {
        var run = await PrepareAsync(orgId, request, turnId: null, cancellationToken).ConfigureAwait(false);
        return (await RunCoreAsync(run, cancellationToken).ConfigureAwait(false)).Completion;
    }

    public async IAsyncEnumerable<AgentCompletionUpdate> CompleteStreamingAsync(OrgId orgId, AgentCall request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = await PrepareAsync(orgId, request, turnId: null, cancellationToken).ConfigureAwait(false);
        await foreach (var update in StreamCoreAsync(run, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private static AgentCall ForRequest(AgentRunRequest request) =>
        new([new ChatMessage(ChatRole.User, request.Input)])
        {
            ConversationId = request.ConversationId ?? Identifiers.NewId(),
            NewConversation = request.ConversationId is null,
            Store = true,
            TurnInput = request.Input,
            Agent = request.Agent ?? AgentDefinition.DefaultName,
            ResponseFormat = request.ResponseFormat is { ValueKind: not JsonValueKind.Null } format ? ResponseFormatSchema.Create(format, "responseFormat") : null,
        };

    private static AgentRunResult Result(AgentCompletion completion, PreparedRun run) =>
        new(completion.Text, run.ConversationId!, completion.Usage, completion.Citations) { Agent = run.Agent, Structured = completion.Structured };

    private async Task<(AgentCompletion Completion, AgentRunResult? Replayed)> RunCoreAsync(PreparedRun run, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var response = await CallModelAsync(run.OrgId, run.Call, started, cancellationToken).ConfigureAwait(false);
        JsonElement? structured = null;
        if (run.Call.Schema is { } schema && !string.IsNullOrWhiteSpace(response.Text))
        {
            structured = schema.Parse(response.Text);
            if (structured is null)
            {
                // The tokens of the refused answer are spent: metered, then one more try.
                await usageMeter.RecordAsync(run.OrgId, UsageEntry.Chat(run.Agent, Usage(response.Usage, run.Call.Messages, response.Text).Usage), CancellationToken.None).ConfigureAwait(false);
                LogInvalidOutput(_logger, run.OrgId.Value, run.Agent, 1);
                response = await CallModelAsync(run.OrgId, run.Call, started, cancellationToken).ConfigureAwait(false);
                structured = schema.Parse(response.Text);
                if (structured is null)
                {
                    await usageMeter.RecordAsync(run.OrgId, UsageEntry.Chat(run.Agent, Usage(response.Usage, run.Call.Messages, response.Text).Usage), CancellationToken.None).ConfigureAwait(false);
                    LogInvalidOutput(_logger, run.OrgId.Value, run.Agent, 2);
                    metrics.RecordModelCall(run.OrgId, time.GetElapsedTime(started), 0, 0, succeeded: false);
                    throw new ApiException(502, ErrorCodes.InvalidModelOutput, $"The model's answer did not follow the response format of agent '{run.Agent}', also after one retry; nothing was stored.");
                }
            }
        }

        var (completion, replayed) = await CompleteAsync(run, response, time.GetElapsedTime(started), streamed: false, cancellationToken).ConfigureAwait(false);
        return (completion with { Structured = structured }, replayed is null ? null : replayed with { Agent = run.Agent });
    }

    private async Task<ChatResponse> CallModelAsync(OrgId orgId, ModelCall call, long started, CancellationToken cancellationToken)
    {
        try
        {
            return await call.Client.GetResponseAsync(call.Messages, call.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == ErrorCodes.ModelUnavailable)
        {
            ModelFailed(orgId, time.GetElapsedTime(started), e.Status);
            throw;
        }
    }

    private async IAsyncEnumerable<AgentCompletionUpdate> StreamCoreAsync(PreparedRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (run.Call.Schema is not null)
        {
            // A structured answer is validated (and maybe retried) before anything is sent: it arrives whole, at the end.
            yield return new AgentCompletionUpdate(null, (await RunCoreAsync(run, cancellationToken).ConfigureAwait(false)).Completion);
            yield break;
        }

        var started = time.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        var stream = run.Call.Client.GetStreamingResponseAsync(run.Call.Messages, run.Call.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var completing = false;
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    try
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (ApiException e) when (e.Code == ErrorCodes.ModelUnavailable)
                    {
                        ModelFailed(run.OrgId, time.GetElapsedTime(started), e.Status);
                        throw;
                    }

                    updates.Add(stream.Current);
                    if (stream.Current.Text is { Length: > 0 } text)
                    {
                        yield return new AgentCompletionUpdate(text, null);
                    }
                }
            }

            completing = true;
        }
        finally
        {
            // A client that goes away mid-stream has still been sent tokens: they count against its quota.
            if (!completing && updates.Count > 0)
            {
                var partial = updates.ToChatResponse();
                await usageMeter.RecordAsync(run.OrgId, UsageEntry.Chat(run.Agent, Usage(partial.Usage, run.Call.Messages, partial.Text).Usage), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var (completion, _) = await CompleteAsync(run, updates.ToChatResponse(), time.GetElapsedTime(started), streamed: true, cancellationToken).ConfigureAwait(false);
        yield return new AgentCompletionUpdate(null, completion);
    }

    private static void Validate(AgentRunRequest request, string? turnId)
    {
        request.Validate();
        if (turnId is not null && !Identifiers.IsResourceId(turnId))
        {
            throw new ArgumentException("A turn id must be a resource id.", nameof(turnId));
        }
    }

    private async Task<PreparedRun> PrepareAsync(OrgId orgId, AgentCall call, string? turnId, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var agent = await definitions.GetAsync(orgId, call.Agent, cancellationToken).ConfigureAwait(false);
        await usageMeter.EnsureWithinQuotaAsync(orgId, cancellationToken).ConfigureAwait(false);
        var settings = await settingsSource.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var client = await ClientForAsync(orgId, agent.Definition, settings, cancellationToken).ConfigureAwait(false); // no model configured: 503 before any read

        var o = options.Value;
        var history = call.ConversationId is null || call.NewConversation
            ? new ConversationHistory(false, [])
            : await conversations.LoadHistoryAsync(orgId, call.ConversationId, new ContextWindow(o.HistoryMessages, o.HistoryCharacters), cancellationToken).ConfigureAwait(false);
        if (history.Exists && (history.Agent ?? AgentDefinition.DefaultName) != call.Agent)
        {
            throw ApiException.Conflict($"Conversation '{call.ConversationId}' was started with agent '{history.Agent ?? AgentDefinition.DefaultName}'; it cannot be continued with agent '{call.Agent}'.");
        }

        var schema = call.ResponseFormat
            ?? (agent.Definition.ResponseFormat is { } agentFormat ? ResponseFormatSchema.Create(agentFormat, "responseFormat") : null);
        var scope = new AgentRunScope { RetrievalTop = agent.Definition.Knowledge?.RetrievalTop };
        var past = history.Messages.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content));
        var (modelCall, clientTools) = await PrepareCallAsync(orgId, agent.Definition, settings, client, call, past, schema, scope, depth: 0, cancellationToken).ConfigureAwait(false);
        var turnInput = call.TurnInput ?? string.Join("\n\n", call.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
        return new PreparedRun(orgId, call.Agent, call.ConversationId, call.Store, turnId, turnInput, startedAt, modelCall, clientTools, scope, history.Version);
    }

    /// <summary>
    /// One model call of an agent: its instructions (else the org's prompt) first, then the client's instructions, the
    /// org's settings with the agent's model overrides (the client's output-token limit never above them), context and
    /// the given history, its tools (all of the org's unless it names some) and, below <see cref="MaxAgentDepth"/>, the
    /// other agents it names as tools; the client's declared tools are added for the client to run.
    /// </summary>
    private async Task<(ModelCall Call, HashSet<string> ClientTools)> PrepareCallAsync(
        OrgId orgId, AgentDefinition agent, OrgAgentSettings settings, IChatClient client, AgentCall call, IEnumerable<ChatMessage> history,
        ResponseFormatSchema? schema, AgentRunScope scope, int depth, CancellationToken cancellationToken)
    {
        var model = agent.Model;

        // The agent's (else the org's) prompt always comes first; a client's instructions only follow it.
        var messages = new List<ChatMessage> { new(ChatRole.System, agent.Instructions ?? settings.SystemPrompt) };
        messages.AddRange(call.Instructions.Select(i => new ChatMessage(ChatRole.System, i)));
        var query = call.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        if (!string.IsNullOrWhiteSpace(query))
        {
            foreach (var provider in contextProviders)
            {
                var context = await provider.GetContextAsync(orgId, query, scope, cancellationToken).ConfigureAwait(false);
                messages.AddRange(context.Messages);
                scope.AddCitations(context.Citations);
            }
        }

        messages.AddRange(history);
        messages.AddRange(call.Messages);

        var tools = new List<AITool>();
        foreach (var provider in toolProviders)
        {
            tools.AddRange(await provider.GetToolsAsync(orgId, scope, cancellationToken).ConfigureAwait(false));
        }

        if (agent.Tools is { } named)
        {
            tools.RemoveAll(t => !named.Contains(t.Name, StringComparer.Ordinal));
            if (depth < MaxAgentDepth)
            {
                foreach (var callee in named.Where(n => AgentDefinitionRules.IsName(n) && !tools.Exists(t => t.Name == n)))
                {
                    tools.Add(await AgentToolAsync(orgId, callee, scope, depth + 1, cancellationToken).ConfigureAwait(false));
                }
            }
        }

        var clientTools = ClientToolNames(call.Options, tools);
        var chatOptions = call.Options?.Clone() ?? new ChatOptions();
        chatOptions.Temperature ??= model?.Temperature ?? settings.Temperature;
        chatOptions.MaxOutputTokens = (chatOptions.MaxOutputTokens, model?.MaxOutputTokens ?? settings.MaxOutputTokens) switch
        {
            ({ } asked, { } limit) => Math.Min(asked, limit),
            (var asked, var limit) => asked ?? limit,
        };
        if (schema is not null)
        {
            chatOptions.ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.Element, "output");
        }

        tools.AddRange(chatOptions.Tools ?? []);
        chatOptions.Tools = tools.Count > 0 ? tools : null;
        var pipeline = new ChatClientBuilder(client)
            .UseFunctionInvocation(loggerFactory, f => f.MaximumIterationsPerRequest = options.Value.MaxToolIterations)
            .Build();
        return (new ModelCall(pipeline, messages, chatOptions, schema), clientTools);
    }

    /// <summary>The org's client for the agent's deployment (else the org's model), on the org's endpoint.</summary>
    private Task<IChatClient> ClientForAsync(OrgId orgId, AgentDefinition agent, OrgAgentSettings settings, CancellationToken cancellationToken) =>
        models.GetChatClientAsync(orgId, new ChatModelTarget(agent.Model?.Deployment ?? settings.Model, settings.Endpoint, settings.ApiKeySetting, settings.Version), cancellationToken);

    /// <summary>
    /// Another agent of the same org as a tool: it answers with its own instructions, model and tools and a fresh context
    /// (no conversation history; nothing stored); its tokens are metered for the org. Only agents of <paramref name="orgId"/>
    /// are ever looked up, so a name can never reach another org's agent.
    /// </summary>
    private async Task<AITool> AgentToolAsync(OrgId orgId, string name, AgentRunScope caller, int depth, CancellationToken cancellationToken)
    {
        var callee = (await definitions.GetAsync(orgId, name, cancellationToken).ConfigureAwait(false)).Definition;
        return AIFunctionFactory.Create(
            async ([Description("The question or task for this agent, with everything it needs to know.")] string input, CancellationToken ct) =>
            {
                await usageMeter.EnsureWithinQuotaAsync(orgId, ct).ConfigureAwait(false);
                var schema = callee.ResponseFormat is { } format ? ResponseFormatSchema.Create(format, "responseFormat") : null;
                var scope = new AgentRunScope { RetrievalTop = callee.Knowledge?.RetrievalTop };
                var settings = await settingsSource.GetAsync(orgId, ct).ConfigureAwait(false);
                var client = await ClientForAsync(orgId, callee, settings, ct).ConfigureAwait(false);
                var (call, _) = await PrepareCallAsync(orgId, callee, settings, client, new AgentCall([new ChatMessage(ChatRole.User, input)]) { Agent = name }, [], schema, scope, depth, ct).ConfigureAwait(false);
                var started = time.GetTimestamp();
                var response = await CallModelAsync(orgId, call, started, ct).ConfigureAwait(false);
                var (usage, _) = Usage(response.Usage, call.Messages, response.Text);
                metrics.RecordModelCall(orgId, time.GetElapsedTime(started), usage.InputTokens, usage.OutputTokens, succeeded: true);
                await usageMeter.RecordAsync(orgId, UsageEntry.Chat(name, usage), CancellationToken.None).ConfigureAwait(false);
                caller.AddCitations(scope.Citations);
                LogAgentCalled(_logger, orgId.Value, name, depth);
                return response.Text;
            },
            name,
            callee.Description is { Length: > 0 } description ? description : $"Asks the agent '{name}' of this organization; returns its answer.");
    }

    /// <summary>The names of the client's declared tools; one named like one of the org's own tools is refused (400 naming <c>tools</c>).</summary>
    private static HashSet<string> ClientToolNames(ChatOptions? client, List<AITool> serverTools)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in client?.Tools ?? [])
        {
            if (serverTools.Any(t => string.Equals(t.Name, tool.Name, StringComparison.Ordinal)))
            {
                throw ApiException.InvalidRequest("tools", $"declares '{tool.Name}', the name of one of the agent's own tools; rename it.");
            }

            names.Add(tool.Name);
        }

        return names;
    }

    private async Task<(AgentCompletion Completion, AgentRunResult? Replayed)> CompleteAsync(
        PreparedRun run, ChatResponse response, TimeSpan latency, bool streamed, CancellationToken cancellationToken)
    {
        var output = response.Text;
        var clientCalls = ClientCalls(response, run.ClientTools);
        if (string.IsNullOrWhiteSpace(output) && clientCalls.Count == 0)
        {
            ModelFailed(run.OrgId, latency, 502);
            throw ApiException.ModelUnavailable(502, "The model returned no answer.");
        }

        var (usage, estimated) = Usage(response.Usage, run.Call.Messages, output);
        metrics.RecordModelCall(run.OrgId, latency, usage.InputTokens, usage.OutputTokens, succeeded: true);

        // The tokens are spent once the model answered, whether or not the turn is stored or the caller is still there.
        await usageMeter.RecordAsync(run.OrgId, UsageEntry.Chat(run.Agent, usage), CancellationToken.None).ConfigureAwait(false);
        var completion = new AgentCompletion(output, clientCalls, usage, run.Scope.Citations, response.FinishReason, Stored: false);
        if (run.ConversationId is null || !run.Store || clientCalls.Count > 0)
        {
            LogRunCompleted(_logger, run.OrgId.Value, run.ConversationId ?? "(none)", (long)latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, streamed, estimated);
            return (completion, null);
        }

        var turn = new ConversationTurn(
            run.TurnId,
            new ConversationMessage(MessageRole.User, run.TurnInput, run.StartedAt),
            new ConversationMessage(MessageRole.Assistant, output, time.GetUtcNow()))
        {
            Agent = run.Agent,
            // The head's version from the history read: the append needs no second read unless another turn landed meanwhile.
            BasedOn = run.HistoryVersion,
        };
        var appended = await conversations.AppendTurnAsync(run.OrgId, run.ConversationId, turn, cancellationToken).ConfigureAwait(false);
        LogRunCompleted(_logger, run.OrgId.Value, run.ConversationId, (long)latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, streamed, estimated);

        // A concurrent run of the same turn stored first: answer what is stored, so every caller sees one answer.
        if (!appended && run.TurnId is not null
            && await conversations.FindTurnAsync(run.OrgId, run.ConversationId, run.TurnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return (completion, Replay(stored, run.ConversationId));
        }

        return (completion with { Stored = true }, null);
    }

    /// <summary>Calls of client-declared tools the pipeline handed back (it runs only the org's own tools).</summary>
    private static List<FunctionCallContent> ClientCalls(ChatResponse response, HashSet<string> clientTools)
    {
        if (clientTools.Count == 0)
        {
            return [];
        }

        var answered = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.CallId).ToHashSet(StringComparer.Ordinal);
        return [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
            .Where(c => clientTools.Contains(c.Name) && !answered.Contains(c.CallId))];
    }

    private void ModelFailed(OrgId orgId, TimeSpan latency, int status)
    {
        metrics.RecordModelCall(orgId, latency, 0, 0, succeeded: false);
        LogModelFailed(_logger, orgId.Value, (long)latency.TotalMilliseconds, status);
    }

    /// <summary>
    /// The server's counts when it reports them; otherwise (some OpenAI-compatible servers send none when streaming)
    /// an estimate of one token per <see cref="CharactersPerToken"/> characters of the messages sent and the answer.
    /// </summary>
    internal static (AgentUsage Usage, bool Estimated) Usage(UsageDetails? reported, IEnumerable<ChatMessage> sent, string output)
    {
        if (reported is { InputTokenCount: { } input, OutputTokenCount: { } outputTokens })
        {
            return (new AgentUsage(input, outputTokens), false);
        }

        static long Estimate(long characters) => (characters + CharactersPerToken - 1) / CharactersPerToken;
        return (new AgentUsage(Estimate(sent.Sum(m => (long)m.Text.Length)), Estimate(output.Length)), true);
    }

    /// <summary>A stored turn answered again: no model call, so no usage; citations are not stored.</summary>
    private static AgentRunResult Replay(ConversationTurn stored, string conversationId) =>
        new(stored.Assistant.Content, conversationId, new AgentUsage(0, 0), []);

    private sealed record PreparedRun(
        OrgId OrgId,
        string Agent,
        string? ConversationId,
        bool Store,
        string? TurnId,
        string TurnInput,
        DateTimeOffset StartedAt,
        ModelCall Call,
        HashSet<string> ClientTools,
        AgentRunScope Scope,
        ConversationVersion? HistoryVersion);

    /// <summary>What one model call sends: the pipeline (function invocation over the org's client), messages, options, and the schema its answer must follow.</summary>
    private sealed record ModelCall(IChatClient Client, IReadOnlyList<ChatMessage> Messages, ChatOptions Options, ResponseFormatSchema? Schema);

    [LoggerMessage(EventId = 1900, Level = LogLevel.Information,
        Message = "Agent run for org {OrgId} in conversation {ConversationId}: model latency {ModelLatencyMs} ms, {InputTokens} input and {OutputTokens} output tokens (streamed {Streamed}, estimated {UsageEstimated})")]
    private static partial void LogRunCompleted(ILogger logger, string orgId, string conversationId, long modelLatencyMs, long inputTokens, long outputTokens, bool streamed, bool usageEstimated);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Model call for org {OrgId} failed after {ModelLatencyMs} ms: answered {Status} model_unavailable")]
    private static partial void LogModelFailed(ILogger logger, string orgId, long modelLatencyMs, int status);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "Agent run for org {OrgId} in conversation {ConversationId} answered from the stored turn")]
    private static partial void LogReplayed(ILogger logger, string orgId, string conversationId);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Warning, Message = "Answer {Attempt} of agent {AgentName} for org {OrgId} did not follow its response format")]
    private static partial void LogInvalidOutput(ILogger logger, string orgId, string agentName, int attempt);

    [LoggerMessage(EventId = 1904, Level = LogLevel.Debug, Message = "Agent {AgentName} of org {OrgId} answered as a tool at depth {Depth}")]
    private static partial void LogAgentCalled(ILogger logger, string orgId, string agentName, int depth);
}
