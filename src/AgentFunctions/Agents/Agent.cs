using System.Runtime.CompilerServices;
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
/// One agent run: validate → (a turn already stored under <c>turnId</c> is answered from memory) → quota →
/// the org's settings and chat client → history window → context providers (knowledge) and tools → one
/// model call loop (function invocation) → the turn is stored → usage recorded. Nothing is stored when the
/// model call fails or a stream does not complete.
/// </summary>
internal sealed partial class Agent(
    IOrgAgentSettingsSource settingsSource,
    IUsageMeter usageMeter,
    IConversationStore conversations,
    IModelClients models,
    IEnumerable<IAgentToolProvider> toolProviders,
    IEnumerable<IAgentContextProvider> contextProviders,
    IOptions<AgentOptions> options,
    TimeProvider time,
    AgentMetrics metrics,
    ILoggerFactory loggerFactory) : IAgent
{
    /// <summary>Rough characters per token, for runs whose server reports no usage.</summary>
    internal const int CharactersPerToken = 4;

    /// <summary>The agent every run uses until named agents exist; usage is attributed to it.</summary>
    public const string DefaultAgent = "default";

    private readonly ILogger _logger = loggerFactory.CreateLogger<Agent>();

    public async Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken)
    {
        Validate(request, turnId);
        if (turnId is not null && request.ConversationId is not null
            && await conversations.FindTurnAsync(orgId, request.ConversationId, turnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            LogReplayed(_logger, orgId.Value, request.ConversationId);
            return Replay(stored, request.ConversationId);
        }

        var run = await PrepareAsync(orgId, request, turnId, cancellationToken).ConfigureAwait(false);

        var started = time.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await run.Client.GetResponseAsync(run.Messages, run.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == ErrorCodes.ModelUnavailable)
        {
            ModelFailed(orgId, time.GetElapsedTime(started), e.Status);
            throw;
        }

        return await CompleteAsync(run, response, time.GetElapsedTime(started), streamed: false, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(
        OrgId orgId, AgentRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Validate(request, turnId: null);
        var run = await PrepareAsync(orgId, request, turnId: null, cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        var stream = run.Client.GetStreamingResponseAsync(run.Messages, run.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                        ModelFailed(orgId, time.GetElapsedTime(started), e.Status);
                        throw;
                    }

                    updates.Add(stream.Current);
                    if (stream.Current.Text is { Length: > 0 } text)
                    {
                        yield return new AgentStreamUpdate(text, null);
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
                await usageMeter.RecordAsync(orgId, UsageEntry.Chat(DefaultAgent, Usage(partial.Usage, run.Messages, partial.Text).Usage), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var result = await CompleteAsync(run, updates.ToChatResponse(), time.GetElapsedTime(started), streamed: true, cancellationToken).ConfigureAwait(false);
        yield return new AgentStreamUpdate(null, result);
    }

    private static void Validate(AgentRunRequest request, string? turnId)
    {
        request.Validate();
        if (turnId is not null && !Identifiers.IsResourceId(turnId))
        {
            throw new ArgumentException("A turn id must be a resource id.", nameof(turnId));
        }
    }

    private async Task<PreparedRun> PrepareAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken)
    {
        var isNew = request.ConversationId is null;
        var conversationId = request.ConversationId ?? Identifiers.NewId();
        var startedAt = time.GetUtcNow();
        await usageMeter.EnsureWithinQuotaAsync(orgId, cancellationToken).ConfigureAwait(false);
        var settings = await settingsSource.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var client = await models.GetChatClientAsync(orgId, new ChatModelTarget(settings.Model, settings.Endpoint, settings.ApiKeySetting, settings.Version), cancellationToken).ConfigureAwait(false);

        var o = options.Value;
        var history = isNew
            ? new ConversationHistory(false, [])
            : await conversations.LoadHistoryAsync(orgId, conversationId, new ContextWindow(o.HistoryMessages, o.HistoryCharacters), cancellationToken).ConfigureAwait(false);

        var messages = new List<ChatMessage> { new(ChatRole.System, settings.SystemPrompt) };
        var scope = new AgentRunScope();
        foreach (var provider in contextProviders)
        {
            var context = await provider.GetContextAsync(orgId, request.Input!, cancellationToken).ConfigureAwait(false);
            messages.AddRange(context.Messages);
            scope.AddCitations(context.Citations);
        }

        messages.AddRange(history.Messages.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
        messages.Add(new ChatMessage(ChatRole.User, request.Input));

        var tools = new List<AITool>();
        foreach (var provider in toolProviders)
        {
            tools.AddRange(await provider.GetToolsAsync(orgId, scope, cancellationToken).ConfigureAwait(false));
        }

        var chatOptions = new ChatOptions
        {
            Temperature = settings.Temperature,
            MaxOutputTokens = settings.MaxOutputTokens,
            Tools = tools.Count > 0 ? tools : null,
        };
        var pipeline = new ChatClientBuilder(client)
            .UseFunctionInvocation(loggerFactory, f => f.MaximumIterationsPerRequest = o.MaxToolIterations)
            .Build();
        return new PreparedRun(orgId, conversationId, turnId, request.Input!, startedAt, pipeline, messages, chatOptions, scope, history.Version);
    }

    private async Task<AgentRunResult> CompleteAsync(PreparedRun run, ChatResponse response, TimeSpan latency, bool streamed, CancellationToken cancellationToken)
    {
        var output = response.Text;
        if (string.IsNullOrWhiteSpace(output))
        {
            ModelFailed(run.OrgId, latency, 502);
            throw ApiException.ModelUnavailable(502, "The model returned no answer.");
        }

        var (usage, estimated) = Usage(response.Usage, run.Messages, output);
        metrics.RecordModelCall(run.OrgId, latency, usage.InputTokens, usage.OutputTokens, succeeded: true);
        var turn = new ConversationTurn(
            run.TurnId,
            new ConversationMessage(MessageRole.User, run.Input, run.StartedAt),
            new ConversationMessage(MessageRole.Assistant, output, time.GetUtcNow()))
        {
            // The head's version from the history read: the append needs no second read unless another turn landed meanwhile.
            BasedOn = run.HistoryVersion,
        };
        // The tokens are spent once the model answered, whether or not the turn is stored or the caller is still there.
        await usageMeter.RecordAsync(run.OrgId, UsageEntry.Chat(DefaultAgent, usage), CancellationToken.None).ConfigureAwait(false);
        var appended = await conversations.AppendTurnAsync(run.OrgId, run.ConversationId, turn, cancellationToken).ConfigureAwait(false);
        LogRunCompleted(_logger, run.OrgId.Value, run.ConversationId, (long)latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens, streamed, estimated);

        // A concurrent run of the same turn stored first: answer what is stored, so every caller sees one answer.
        if (!appended && run.TurnId is not null
            && await conversations.FindTurnAsync(run.OrgId, run.ConversationId, run.TurnId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return Replay(stored, run.ConversationId);
        }

        return new AgentRunResult(output, run.ConversationId, usage, run.Scope.Citations);
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
        string ConversationId,
        string? TurnId,
        string Input,
        DateTimeOffset StartedAt,
        IChatClient Client,
        IReadOnlyList<ChatMessage> Messages,
        ChatOptions Options,
        AgentRunScope Scope,
        ConversationVersion? HistoryVersion);

    [LoggerMessage(EventId = 1900, Level = LogLevel.Information,
        Message = "Agent run for org {OrgId} in conversation {ConversationId}: model latency {ModelLatencyMs} ms, {InputTokens} input and {OutputTokens} output tokens (streamed {Streamed}, estimated {UsageEstimated})")]
    private static partial void LogRunCompleted(ILogger logger, string orgId, string conversationId, long modelLatencyMs, long inputTokens, long outputTokens, bool streamed, bool usageEstimated);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Model call for org {OrgId} failed after {ModelLatencyMs} ms: answered {Status} model_unavailable")]
    private static partial void LogModelFailed(ILogger logger, string orgId, long modelLatencyMs, int status);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "Agent run for org {OrgId} in conversation {ConversationId} answered from the stored turn")]
    private static partial void LogReplayed(ILogger logger, string orgId, string conversationId);
}
