using AgentFunctions.Conversations;
using AgentFunctions.Tenancy;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// What one run of a framework agent needs beyond its messages, and what the run's providers learn: the org and
/// conversation (<see cref="TableChatHistoryProvider"/> loads the window and appends the turn), the knowledge query and
/// citations (<see cref="RetrievalContextProvider"/>), and what decides whether the answer is stored. The cached
/// <see cref="ChatClientAgent"/> and its providers are shared by every run of the agent; this object travels with the
/// run's own <see cref="AgentSession"/> (made per run, never serialized), so nothing of one run reaches another.
/// </summary>
internal sealed class AgentTurn
{
    private const string Key = "agentfunctions.turn";

    /// <summary>The run's knowledge retrieval once started (<see cref="StartRetrieval"/>); shared by a retry of the run.</summary>
    private Task<IReadOnlyList<AgentContext>>? _retrieval;

    public required OrgId OrgId { get; init; }

    /// <summary>The org's agent that runs.</summary>
    public required string Agent { get; init; }

    /// <summary>The conversation whose window is loaded and which the turn is appended to; null: a stateless run.</summary>
    public string? ConversationId { get; init; }

    /// <summary>True when <see cref="ConversationId"/> is new: no history is read.</summary>
    public bool NewConversation { get; init; }

    /// <summary>How much history the run loads.</summary>
    public ContextWindow Window { get; init; } = new(0, 0);

    /// <summary>The agent's client for running summaries (compaction on); null: the window alone.</summary>
    public IChatClient? Summarizer { get; init; }

    /// <summary>Store the turn once the model answered with text that is accepted (<see cref="Accepts"/>).</summary>
    public bool Store { get; init; }

    /// <summary>Idempotency key of the turn (a job id).</summary>
    public string? TurnId { get; init; }

    /// <summary>The user's side of the stored turn.</summary>
    public string TurnInput { get; init; } = string.Empty;

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>What knowledge retrieval searches for: the last user message of the run (null: no retrieval).</summary>
    public string? Query { get; init; }

    /// <summary>The names of the client's declared tools: their calls go back to the client and the turn is not stored.</summary>
    public IReadOnlySet<string> ClientTools { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The schema the answer must follow: an answer that does not is neither stored nor returned.</summary>
    public ResponseFormatSchema? Schema { get; init; }

    /// <summary>The run's citations and knowledge settings.</summary>
    public required AgentRunScope Scope { get; init; }

    /// <summary>The conversation's state when its window was read (set by the history provider; the append's <c>BasedOn</c>).</summary>
    public ConversationVersion? HistoryVersion => History?.Version;

    /// <summary>The window (and backlog) the history provider loaded: what a running summary folds from.</summary>
    public ConversationHistory? History { get; set; }

    /// <summary>Every message the model was first sent (set once the providers ran; estimates usage when the server reports none).</summary>
    public IReadOnlyList<ChatMessage> SentMessages { get; set; } = [];

    /// <summary>Null: no append was tried; false: a turn with <see cref="TurnId"/> was already stored.</summary>
    public bool? Appended { get; set; }

    /// <summary>The append failed after the model answered: surfaced once the answer's tokens are metered.</summary>
    public Exception? AppendFailure { get; set; }

    /// <summary>
    /// Starts asking each context provider, in order, for the context of <see cref="Query"/> (nothing to ask without
    /// one), so that retrieval (the embedding call, the knowledge version read, the search) runs while the history
    /// provider loads the conversation's window; <see cref="RetrievalContextProvider"/> awaits it. Call it once the
    /// run's request is validated and its quota checked. A run that fails before its context is read (a refused
    /// conversation, a failed history load) never awaits the task: its failure is observed here, so none goes unobserved.
    /// </summary>
    public void StartRetrieval(IEnumerable<IAgentContextProvider> providers, CancellationToken cancellationToken)
    {
        if (_retrieval is not null || string.IsNullOrWhiteSpace(Query))
        {
            return;
        }

        _retrieval = RetrieveAsync(providers, cancellationToken);
        _retrieval.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The run's retrieved context, one per provider in order: the started retrieval, else (a run not started early, an agent called as a tool) asked now.</summary>
    public Task<IReadOnlyList<AgentContext>> RetrievedAsync(IEnumerable<IAgentContextProvider> providers, CancellationToken cancellationToken) =>
        _retrieval?.WaitAsync(cancellationToken) ?? RetrieveAsync(providers, cancellationToken);

    private async Task<IReadOnlyList<AgentContext>> RetrieveAsync(IEnumerable<IAgentContextProvider> providers, CancellationToken cancellationToken)
    {
        var contexts = new List<AgentContext>();
        if (!string.IsNullOrWhiteSpace(Query))
        {
            foreach (var provider in providers)
            {
                contexts.Add(await provider.GetContextAsync(OrgId, Query, Scope, cancellationToken).ConfigureAwait(false));
            }
        }

        return contexts;
    }

    /// <summary>
    /// A fresh copy for another attempt of the same run (the structured-output retry): nothing learned is kept but the
    /// retrieval, which the retry shares (the same query is not embedded again).
    /// </summary>
    public AgentTurn Retry() => new()
    {
        _retrieval = _retrieval,
        OrgId = OrgId,
        Agent = Agent,
        ConversationId = ConversationId,
        NewConversation = NewConversation,
        Window = Window,
        Summarizer = Summarizer,
        Store = Store,
        TurnId = TurnId,
        TurnInput = TurnInput,
        StartedAt = StartedAt,
        Query = Query,
        ClientTools = ClientTools,
        Schema = Schema,
        Scope = Scope,
    };

    /// <summary>A new session of <paramref name="agent"/> carrying this turn.</summary>
    public async ValueTask<AgentSession> NewSessionAsync(AIAgent agent, CancellationToken cancellationToken)
    {
        var session = await agent.CreateSessionAsync(cancellationToken).ConfigureAwait(false);
        session.StateBag.SetValue(Key, this);
        return session;
    }

    /// <summary>The turn of the run a provider is called for.</summary>
    public static AgentTurn Of(AgentSession? session) =>
        session?.StateBag.GetValue<AgentTurn>(Key) ?? throw new InvalidOperationException("An agent of this app runs only with a session made by AgentTurn.NewSessionAsync.");

    /// <summary>Whether the model's answer is the turn to store: text, no calls for the client to run, and (with a schema) valid.</summary>
    public bool Accepts(ChatResponse response)
    {
        var text = response.Text;
        return Store && ConversationId is not null && !string.IsNullOrWhiteSpace(text)
            && ClientCalls(response).Count == 0
            && (Schema is null || Schema.Parse(text) is not null);
    }

    /// <summary>Calls of client-declared tools the pipeline handed back (it runs only the org's own tools).</summary>
    public List<FunctionCallContent> ClientCalls(ChatResponse response)
    {
        if (ClientTools.Count == 0)
        {
            return [];
        }

        var answered = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.CallId).ToHashSet(StringComparer.Ordinal);
        return [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
            .Where(c => ClientTools.Contains(c.Name) && !answered.Contains(c.CallId))];
    }
}
