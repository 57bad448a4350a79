using System.Runtime.CompilerServices;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Tests.Agents;

/// <summary>A chat client that answers from a script (or echoes) and records what it was sent.</summary>
internal sealed class FakeChatClient : IChatClient
{
    private readonly Queue<Func<IList<ChatMessage>, ChatResponse>> _script = new();

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public UsageDetails? Usage { get; set; } = new() { InputTokenCount = 11, OutputTokenCount = 7 };

    /// <summary>Thrown by the stream after its first update (to test failures mid-stream).</summary>
    public Exception? FailMidStream { get; set; }

    public void Enqueue(Func<IList<ChatMessage>, ChatResponse> step) => _script.Enqueue(step);

    public void Enqueue(Exception error) => _script.Enqueue(_ => throw error);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Calls.Add((list, options));
        return Task.FromResult(Answer(list));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Calls.Add((list, options));
        var response = Answer(list);
        var first = true;
        foreach (var update in response.ToChatResponseUpdates())
        {
            if (update.Contents.OfType<UsageContent>().Any())
            {
                yield return update;
                continue;
            }

            foreach (var piece in update.Text.Split(' ').Select((w, i) => i == 0 ? w : " " + w))
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
                if (first && FailMidStream is { } failure)
                {
                    throw failure;
                }

                first = false;
            }

            foreach (var call in update.Contents.OfType<FunctionCallContent>())
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [call]);
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private ChatResponse Answer(List<ChatMessage> messages)
    {
        var response = _script.TryDequeue(out var step)
            ? step(messages)
            : new ChatResponse(new ChatMessage(ChatRole.Assistant, $"Echo: {messages.Last(m => m.Role == ChatRole.User).Text}"));
        response.Usage ??= Usage;
        return response;
    }
}

/// <summary>Hands out the fake chat client and records which org and model target were asked for.</summary>
internal sealed class FakeModelClients(IChatClient chat) : IModelClients
{
    public List<(OrgId? Org, ChatModelTarget Target)> Requested { get; } = [];

    public IChatClient GetChatClient(string? model = null)
    {
        Requested.Add((null, new ChatModelTarget(model)));
        return chat;
    }

    public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken)
    {
        Requested.Add((orgId, target));
        return Task.FromResult(chat);
    }

    public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => throw new NotSupportedException();
}

/// <summary>An in-memory conversation store for agent unit tests; it records every call.</summary>
internal sealed class FakeConversationStore : IConversationStore
{
    private readonly Dictionary<(string Org, string Conversation), List<ConversationTurn>> _turns = [];
    private readonly Dictionary<(string Org, string Conversation), RunningSummary> _summaries = [];

    public List<string> Calls { get; } = [];

    public List<ContextWindow> Windows { get; } = [];

    public List<(OrgId Org, string ConversationId, ConversationTurn Turn)> Appended { get; } = [];

    /// <summary>Thrown by every append (a storage fault after the model answered).</summary>
    public Exception? FailAppend { get; set; }

    public void Seed(OrgId org, string conversationId, params ConversationTurn[] turns) =>
        Turns(org, conversationId).AddRange(turns);

    public Task<ConversationHistory> LoadHistoryAsync(OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken)
    {
        Calls.Add(nameof(LoadHistoryAsync));
        Windows.Add(window);
        var exists = _turns.TryGetValue((orgId.Value, conversationId), out var turns);
        var all = (turns ?? []).SelectMany(t => new[] { t.User, t.Assistant }).ToList();
        var version = new ConversationVersion(conversationId, exists ? new Azure.ETag("1") : null, all.Count, default, default, null)
        {
            Summary = _summaries.GetValueOrDefault((orgId.Value, conversationId)),
            Agent = turns?.FirstOrDefault()?.Agent,
        };
        return Task.FromResult(new ConversationHistory(exists, all.TakeLast(window.MaxMessages).ToList(), version));
    }

    public Task<bool> AppendTurnAsync(OrgId orgId, string conversationId, ConversationTurn turn, CancellationToken cancellationToken)
    {
        Calls.Add(nameof(AppendTurnAsync));
        if (FailAppend is { } failure)
        {
            throw failure;
        }

        var turns = Turns(orgId, conversationId);
        if (turn.TurnId is not null && turns.Any(t => t.TurnId == turn.TurnId))
        {
            return Task.FromResult(false);
        }

        turns.Add(turn);
        Appended.Add((orgId, conversationId, turn));
        if (turn.Summary is { } summary)
        {
            _summaries[(orgId.Value, conversationId)] = summary;
        }

        return Task.FromResult(true);
    }

    public Task<ConversationTurn?> FindTurnAsync(OrgId orgId, string conversationId, string turnId, CancellationToken cancellationToken)
    {
        Calls.Add(nameof(FindTurnAsync));
        return Task.FromResult(_turns.GetValueOrDefault((orgId.Value, conversationId))?.FirstOrDefault(t => t.TurnId == turnId));
    }

    public Task<ConversationPage> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<MessagePage?> GetMessagesAsync(OrgId orgId, string conversationId, MessagePageRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteAsync(OrgId orgId, string conversationId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => throw new NotSupportedException();

    private List<ConversationTurn> Turns(OrgId org, string conversationId)
    {
        if (!_turns.TryGetValue((org.Value, conversationId), out var turns))
        {
            _turns[(org.Value, conversationId)] = turns = [];
        }

        return turns;
    }
}

internal sealed class RecordingUsageMeter : IUsageMeter
{
    public Exception? Refuse { get; set; }

    /// <summary>The chat usage of each agent run.</summary>
    public List<AgentUsage> Recorded { get; } = [];

    public int Checks { get; private set; }

    public ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        Checks++;
        return Refuse is null ? ValueTask.CompletedTask : ValueTask.FromException(Refuse);
    }

    /// <summary>Every usage write, embeddings included.</summary>
    public List<UsageEntry> Entries { get; } = [];

    public ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken)
    {
        Entries.Add(usage);
        if (usage.Runs > 0)
        {
            Recorded.Add(new AgentUsage(usage.ChatInputTokens, usage.ChatOutputTokens));
        }

        return ValueTask.CompletedTask;
    }
}

internal sealed class FixedSettings(OrgAgentSettings settings) : IOrgAgentSettingsSource
{
    public ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.FromResult(settings);
}

internal sealed class FixedTools(params AITool[] tools) : IAgentToolProvider
{
    public List<OrgId> AskedFor { get; } = [];

    public ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken)
    {
        AskedFor.Add(orgId);
        return ValueTask.FromResult<IReadOnlyList<AITool>>(tools);
    }
}

internal sealed class FixedContext(AgentContext context) : IAgentContextProvider
{
    public ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, AgentRunScope run, CancellationToken cancellationToken) => ValueTask.FromResult(context);
}

/// <summary>One tool per run that, when called, adds fixed citations to the run it was made for.</summary>
internal sealed class CitingTools(string name, IReadOnlyList<Citation> citations) : IAgentToolProvider
{
    public ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<AITool>>([AIFunctionFactory.Create(() =>
        {
            run.AddCitations(citations);
            return "found";
        }, name)]);
}

/// <summary>The org's agents by name; <c>default</c> is the org's own settings unless one is added under that name.</summary>
internal sealed class FakeAgentDefinitions : IAgentDefinitionSource
{
    public Dictionary<string, AgentDefinition> Agents { get; } = new(StringComparer.Ordinal);

    public Task<StoredAgentDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        Agents.TryGetValue(name, out var agent) ? Task.FromResult(new StoredAgentDefinition(agent, "\"1\"", null))
        : name == AgentDefinition.DefaultName ? Task.FromResult(new StoredAgentDefinition(new AgentDefinition(name), null, null))
        : throw AgentDefinitions.NotFound(name);
}
