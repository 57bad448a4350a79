using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// One agent run on Microsoft Agent Framework: validate → (a turn already stored under <c>turnId</c> is answered from
/// memory) → the named agent (404 before any model call) → quota → the org's settings and the cached
/// <see cref="ChatClientAgent"/> of the agent's definition (<see cref="FrameworkAgents"/>) → the run's tools, other agents
/// of the org among them → the framework run: the conversation's window (<see cref="TableChatHistoryProvider"/>; a
/// conversation started by another agent is a 409), knowledge (<see cref="RetrievalContextProvider"/>), the model call
/// loop with function invocation, and the turn appended by the history provider → with a response format, the answer
/// validated (one retry, then 502) → usage recorded. Nothing is stored when the model call fails, the answer does not
/// validate or a stream does not complete.
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

    private readonly FrameworkAgents _agents = new(
        models,
        new TableChatHistoryProvider(conversations, new ConversationCompactor(usageMeter, options, loggerFactory.CreateLogger<ConversationCompactor>()), time),
        new RetrievalContextProvider(contextProviders), options, time, loggerFactory);

    public async Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken)
    {
        Validate(request, turnId);
        if (turnId is not null && request.ConversationId is not null
            && await conversations.FindTurnAsync(orgId, request.ConversationId, turnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            LogReplayed(_logger, orgId.Value, request.ConversationId);
            return Replay(stored, request.ConversationId) with { Agent = request.Agent ?? AgentDefinition.DefaultName };
        }

        return await RunTurnAsync(orgId, request, turnId, newConversation: false, cancellationToken).ConfigureAwait(false);
    }

    public Task<AgentRunResult> RunNewTurnAsync(OrgId orgId, AgentRunRequest request, string turnId, bool newConversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnId);
        Validate(request, turnId);
        return RunTurnAsync(orgId, request, turnId, newConversation, cancellationToken);
    }

    private async Task<AgentRunResult> RunTurnAsync(OrgId orgId, AgentRunRequest request, string? turnId, bool newConversation, CancellationToken cancellationToken)
    {
        var run = await PrepareAsync(orgId, ForRequest(request, newConversation), turnId, cancellationToken).ConfigureAwait(false);
        var (completion, replayed) = await RunCoreAsync(run, cancellationToken).ConfigureAwait(false);
        return replayed ?? Result(completion, run);
    }

    public async IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(
        OrgId orgId, AgentRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Validate(request, turnId: null);
        var run = await PrepareAsync(orgId, ForRequest(request, newConversation: false), turnId: null, cancellationToken).ConfigureAwait(false);
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

    /// <param name="newConversation">The caller generated <see cref="AgentRunRequest.ConversationId"/> (a job's): no history to read.</param>
    private static AgentCall ForRequest(AgentRunRequest request, bool newConversation) =>
        new([new ChatMessage(ChatRole.User, request.Input)])
        {
            ConversationId = request.ConversationId ?? Identifiers.NewId(),
            NewConversation = newConversation || request.ConversationId is null,
            Store = true,
            TurnInput = request.Input,
            Agent = request.Agent ?? AgentDefinition.DefaultName,
            ResponseFormat = request.ResponseFormat is { ValueKind: not JsonValueKind.Null } format ? ResponseFormatSchema.Create(format, "responseFormat") : null,
        };

    private static AgentRunResult Result(AgentCompletion completion, PreparedRun run) =>
        new(completion.Text, run.Turn.ConversationId!, completion.Usage, completion.Citations) { Agent = run.Turn.Agent, Structured = completion.Structured };

    private async Task<(AgentCompletion Completion, AgentRunResult? Replayed)> RunCoreAsync(PreparedRun run, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var turn = run.Turn;
        var response = await CallAgentAsync(run.Agent, run.Messages, run.Options, turn, started, cancellationToken).ConfigureAwait(false);
        JsonElement? structured = null;
        if (turn.Schema is { } schema && !string.IsNullOrWhiteSpace(response.Text))
        {
            structured = schema.Parse(response.Text);
            if (structured is null)
            {
                // The tokens of the refused answer are spent: metered, then one more try (the history provider stored nothing).
                await usageMeter.RecordAsync(turn.OrgId, UsageEntry.Chat(turn.Agent, Usage(response.Usage, turn.SentMessages, response.Text).Usage), CancellationToken.None).ConfigureAwait(false);
                LogInvalidOutput(_logger, turn.OrgId.Value, turn.Agent, 1);
                turn = turn.Retry();
                response = await CallAgentAsync(run.Agent, run.Messages, run.Options, turn, started, cancellationToken).ConfigureAwait(false);
                structured = schema.Parse(response.Text);
                if (structured is null)
                {
                    await usageMeter.RecordAsync(turn.OrgId, UsageEntry.Chat(turn.Agent, Usage(response.Usage, turn.SentMessages, response.Text).Usage), CancellationToken.None).ConfigureAwait(false);
                    LogInvalidOutput(_logger, turn.OrgId.Value, turn.Agent, 2);
                    metrics.RecordModelCall(turn.OrgId, time.GetElapsedTime(started), 0, 0, succeeded: false);
                    throw new ApiException(502, ErrorCodes.InvalidModelOutput, $"The model's answer did not follow the response format of agent '{turn.Agent}', also after one retry; nothing was stored.");
                }
            }
        }

        var (completion, replayed) = await CompleteAsync(turn, response, time.GetElapsedTime(started), streamed: false, cancellationToken).ConfigureAwait(false);
        return (completion with { Structured = structured }, replayed is null ? null : replayed with { Agent = turn.Agent });
    }

    /// <summary>One framework run of <paramref name="agent"/> in a session of its own carrying <paramref name="turn"/>.</summary>
    private async Task<ChatResponse> CallAgentAsync(
        AIAgent agent, IReadOnlyList<ChatMessage> messages, ChatClientAgentRunOptions runOptions, AgentTurn turn, long started, CancellationToken cancellationToken)
    {
        try
        {
            var session = await turn.NewSessionAsync(agent, cancellationToken).ConfigureAwait(false);
            var response = await agent.RunAsync(messages, session, runOptions, cancellationToken).ConfigureAwait(false);
            return new ChatResponse([.. response.Messages]) { Usage = response.Usage, FinishReason = response.FinishReason };
        }
        catch (ApiException e) when (e.Code == ErrorCodes.ModelUnavailable)
        {
            ModelFailed(turn.OrgId, time.GetElapsedTime(started), e.Status);
            throw;
        }
    }

    private async IAsyncEnumerable<AgentCompletionUpdate> StreamCoreAsync(PreparedRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (run.Turn.Schema is not null)
        {
            // A structured answer is validated (and maybe retried) before anything is sent: it arrives whole, at the end.
            yield return new AgentCompletionUpdate(null, (await RunCoreAsync(run, cancellationToken).ConfigureAwait(false)).Completion);
            yield break;
        }

        var started = time.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        var session = await run.Turn.NewSessionAsync(run.Agent, cancellationToken).ConfigureAwait(false);
        var stream = run.Agent.RunStreamingAsync(run.Messages, session, run.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                        ModelFailed(run.Turn.OrgId, time.GetElapsedTime(started), e.Status);
                        throw;
                    }

                    updates.Add(stream.Current.AsChatResponseUpdate());
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
            // A client that goes away mid-stream has still been sent tokens: they count against its quota. The framework
            // notifies no provider of an abandoned stream, so this stays ours.
            if (!completing && updates.Count > 0)
            {
                var partial = updates.ToChatResponse();
                await usageMeter.RecordAsync(run.Turn.OrgId, UsageEntry.Chat(run.Turn.Agent, Usage(partial.Usage, run.Turn.SentMessages, partial.Text).Usage), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var (completion, _) = await CompleteAsync(run.Turn, updates.ToChatResponse(), time.GetElapsedTime(started), streamed: true, cancellationToken).ConfigureAwait(false);
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
        var framework = await _agents.GetAsync(orgId, agent.Definition, agent.ETag, settings, cancellationToken).ConfigureAwait(false); // no model configured: 503 before any read

        var schema = call.ResponseFormat
            ?? (agent.Definition.ResponseFormat is { } agentFormat ? ResponseFormatSchema.Create(agentFormat, "responseFormat") : null);
        var scope = new AgentRunScope { RetrievalTop = agent.Definition.Knowledge?.RetrievalTop };
        var (messages, runOptions, clientTools) = await PrepareCallAsync(orgId, agent.Definition, settings, call, schema, scope, depth: 0, cancellationToken).ConfigureAwait(false);
        var o = options.Value;
        var turn = new AgentTurn
        {
            OrgId = orgId,
            Agent = call.Agent,
            ConversationId = call.ConversationId,
            NewConversation = call.NewConversation,
            // With compaction the window load also brings what the running summary has yet to fold (at most one window more).
            Window = new ContextWindow(o.HistoryMessages, o.HistoryCharacters, agent.Definition.Compaction ? o.HistoryMessages : 0),
            Summarizer = agent.Definition.Compaction && call.Store ? framework.ChatClient : null,
            Store = call.Store,
            TurnId = turnId,
            TurnInput = call.TurnInput ?? string.Join("\n\n", call.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text)),
            StartedAt = startedAt,
            Query = Query(call),
            ClientTools = clientTools,
            Schema = schema,
            Scope = scope,
        };
        turn.StartRetrieval(contextProviders, cancellationToken); // while the framework run loads the conversation's window
        return new PreparedRun(framework, messages, runOptions, turn);
    }

    private static string? Query(AgentCall call) => call.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;

    /// <summary>
    /// What one run of an agent is given: its instructions (else the org's prompt) first, then the client's instructions,
    /// then the call's messages (the history provider puts the conversation's window between them); the client's
    /// settings over the agent's model overrides (the client's output-token limit never above them); its tools (all of
    /// the org's unless it names some) and, below <see cref="MaxAgentDepth"/>, the other agents it names as tools; the
    /// client's declared tools are added for the client to run.
    /// </summary>
    private async Task<(List<ChatMessage> Messages, ChatClientAgentRunOptions Options, HashSet<string> ClientTools)> PrepareCallAsync(
        OrgId orgId, AgentDefinition agent, OrgAgentSettings settings, AgentCall call, ResponseFormatSchema? schema, AgentRunScope scope, int depth, CancellationToken cancellationToken)
    {
        var model = agent.Model;

        // The agent's (else the org's) prompt always comes first; a client's instructions only follow it.
        var messages = new List<ChatMessage> { new(ChatRole.System, agent.Instructions ?? settings.SystemPrompt) };
        messages.AddRange(call.Instructions.Select(i => new ChatMessage(ChatRole.System, i)));
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
                    tools.Add(await AgentToolAsync(orgId, callee, settings, scope, depth + 1, cancellationToken).ConfigureAwait(false));
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
        return (messages, new ChatClientAgentRunOptions(chatOptions), clientTools);
    }

    /// <summary>
    /// Another agent of the same org as a tool, through the framework's agent-as-function (<c>AsAIFunction</c>: one
    /// <c>query</c> argument, the answer's text as the result) over the callee's own framework agent wrapped in a run
    /// middleware (<see cref="RunCalleeAsync"/>). Only agents of <paramref name="orgId"/> are ever looked up, so a name can
    /// never reach another org's agent.
    /// </summary>
    private async Task<AITool> AgentToolAsync(OrgId orgId, string name, OrgAgentSettings settings, AgentRunScope caller, int depth, CancellationToken cancellationToken)
    {
        var callee = await definitions.GetAsync(orgId, name, cancellationToken).ConfigureAwait(false);
        var agent = await _agents.GetAsync(orgId, callee.Definition, callee.ETag, settings, cancellationToken).ConfigureAwait(false);
        return agent.AsBuilder()
            .Use((messages, _, _, inner, ct) => RunCalleeAsync(orgId, callee.Definition, settings, caller, depth, messages, inner, ct), null)
            .Build()
            .AsAIFunction(new AIFunctionFactoryOptions
            {
                Name = name,
                Description = callee.Definition.Description is { Length: > 0 } description ? description : $"Asks the agent '{name}' of this organization; returns its answer.",
            });
    }

    /// <summary>
    /// One call of an agent as a tool: it answers with its own instructions, model and tools and a fresh context (its
    /// knowledge, no conversation; nothing stored) in a session of its own; its tokens are metered for the org and its
    /// citations join the caller's.
    /// </summary>
    private async Task<AgentResponse> RunCalleeAsync(
        OrgId orgId, AgentDefinition callee, OrgAgentSettings settings, AgentRunScope caller, int depth, IEnumerable<ChatMessage> messages, AIAgent inner, CancellationToken cancellationToken)
    {
        await usageMeter.EnsureWithinQuotaAsync(orgId, cancellationToken).ConfigureAwait(false);
        var schema = callee.ResponseFormat is { } format ? ResponseFormatSchema.Create(format, "responseFormat") : null;
        var scope = new AgentRunScope { RetrievalTop = callee.Knowledge?.RetrievalTop };
        var call = new AgentCall([.. messages]) { Agent = callee.Name };
        var (prepared, runOptions, _) = await PrepareCallAsync(orgId, callee, settings, call, schema, scope, depth, cancellationToken).ConfigureAwait(false);
        var turn = new AgentTurn { OrgId = orgId, Agent = callee.Name, Query = Query(call), Schema = schema, Scope = scope };
        var started = time.GetTimestamp();
        var response = await CallAgentAsync(inner, prepared, runOptions, turn, started, cancellationToken).ConfigureAwait(false);
        var (usage, _) = Usage(response.Usage, turn.SentMessages, response.Text);
        metrics.RecordModelCall(orgId, time.GetElapsedTime(started), usage.InputTokens, usage.OutputTokens, succeeded: true);
        await usageMeter.RecordAsync(orgId, UsageEntry.Chat(callee.Name, usage), CancellationToken.None).ConfigureAwait(false);
        caller.AddCitations(scope.Citations);
        LogAgentCalled(_logger, orgId.Value, callee.Name, depth);
        return new AgentResponse(response);
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

    /// <summary>
    /// After the framework run: an empty answer is a 502; usage is metered (the tokens are spent once the model answered,
    /// whether or not the turn is stored or the caller is still there); then what the history provider's append did.
    /// </summary>
    private async Task<(AgentCompletion Completion, AgentRunResult? Replayed)> CompleteAsync(
        AgentTurn turn, ChatResponse response, TimeSpan latency, bool streamed, CancellationToken cancellationToken)
    {
        var output = response.Text;
        var clientCalls = turn.ClientCalls(response);
        if (string.IsNullOrWhiteSpace(output) && clientCalls.Count == 0)
        {
            ModelFailed(turn.OrgId, latency, 502);
            throw ApiException.ModelUnavailable(502, "The model returned no answer.");
        }

        var (usage, estimated) = Usage(response.Usage, turn.SentMessages, output);
        metrics.RecordModelCall(turn.OrgId, latency, usage.InputTokens, usage.OutputTokens, succeeded: true);
        await usageMeter.RecordAsync(turn.OrgId, UsageEntry.Chat(turn.Agent, usage), CancellationToken.None).ConfigureAwait(false);
        LogRunCompleted(_logger, turn.OrgId.Value, turn.ConversationId ?? "(none)", (long)latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, streamed, estimated);
        if (turn.AppendFailure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        var completion = new AgentCompletion(output, clientCalls, usage, turn.Scope.Citations, response.FinishReason, Stored: false);
        if (turn.Appended is not { } appended)
        {
            return (completion, null);
        }

        // A concurrent run of the same turn stored first: answer what is stored, so every caller sees one answer.
        if (!appended && turn.TurnId is not null
            && await conversations.FindTurnAsync(turn.OrgId, turn.ConversationId!, turn.TurnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return (completion, Replay(stored, turn.ConversationId!));
        }

        return (completion with { Stored = true }, null);
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

    /// <summary>A prepared run: the cached framework agent, the run's messages and options, and its turn.</summary>
    private sealed record PreparedRun(ChatClientAgent Agent, List<ChatMessage> Messages, ChatClientAgentRunOptions Options, AgentTurn Turn);

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
