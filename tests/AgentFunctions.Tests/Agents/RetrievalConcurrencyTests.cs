using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Agents;

/// <summary>
/// A run's knowledge retrieval runs while the framework loads the conversation's window, and its failures and
/// cancellation still reach the run before the model is called and before anything is stored.
/// </summary>
public sealed class RetrievalConcurrencyTests : IDisposable
{
    private static readonly OrgId Org = OrgId.Parse("org-a");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly AgentContext Knowledge = new([new ChatMessage(ChatRole.System, "Knowledge: Paris.")], [new Citation("doc-1", "Atlas")]);

    private readonly FakeChatClient _chat = new();
    private readonly FakeConversationStore _conversations = new();
    private readonly RecordingUsageMeter _meter = new();
    private readonly FakeAgentDefinitions _agents = new();
    private readonly MetricsRecorder _metrics = new();
    private readonly TaskCompletionSource _historyStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _retrievalStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RetrievalConcurrencyTests() =>
        _conversations.Seed(Org, "conv-1", new ConversationTurn(null, new ConversationMessage(MessageRole.User, "Hi", DateTimeOffset.UnixEpoch), new ConversationMessage(MessageRole.Assistant, "Hello", DateTimeOffset.UnixEpoch)));

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public async Task RunAsync_ContinuedConversationWithKnowledge_HistoryLoadAndRetrievalBothStartBeforeEitherCompletes()
    {
        // Each side waits for the other to have started: run one after the other, the first waits in vain and times out.
        var store = new GatedStore(_conversations, async () =>
        {
            _historyStarted.SetResult();
            await _retrievalStarted.Task.WaitAsync(Patience);
        });
        var context = new GatedContext(async () =>
        {
            _retrievalStarted.SetResult();
            await _historyStarted.Task.WaitAsync(Patience);
            return Knowledge;
        });

        var result = await CreateAgent(store, context).RunAsync(Org, new AgentRunRequest("Capital?", "conv-1"), null, default);

        Assert.Equal(["You are the test agent.", "Knowledge: Paris.", "Hi", "Hello", "Capital?"], Assert.Single(_chat.Calls).Messages.Select(m => m.Text));
        Assert.Equal([new Citation("doc-1", "Atlas")], result.Citations);
        Assert.Single(_conversations.Appended);
    }

    [Fact]
    public async Task RunAsync_RetrievalFailsWhileHistoryLoads_ModelUnavailableWithoutModelCallNothingStored()
    {
        var store = new GatedStore(_conversations, () => _retrievalStarted.Task.WaitAsync(Patience));
        var context = new GatedContext(async () =>
        {
            _retrievalStarted.SetResult();
            await Task.Yield();
            throw ApiException.ModelUnavailable(503, "The embedding model failed; try again later.");
        });

        var failure = await Assert.ThrowsAsync<ApiException>(() => CreateAgent(store, context).RunAsync(Org, new AgentRunRequest("Capital?", "conv-1"), null, default));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (failure.Status, failure.Code));
        Assert.Empty(_chat.Calls);
        Assert.Empty(_conversations.Appended);
        Assert.Empty(_meter.Entries);
    }

    [Fact]
    public async Task RunAsync_CancelledDuringRetrieval_CancellationReachesTheCallerWithoutModelCallNothingStored()
    {
        using var cancel = new CancellationTokenSource();
        var context = new GatedContext(async ct =>
        {
            await cancel.CancelAsync();
            await Task.Delay(Patience, ct);
            return Knowledge;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateAgent(_conversations, context).RunAsync(Org, new AgentRunRequest("Capital?", "conv-1"), null, cancel.Token));

        Assert.Empty(_chat.Calls);
        Assert.Empty(_conversations.Appended);
    }

    [Fact]
    public async Task RunAsync_HistoryLoadFailsAndRetrievalFailsUnread_HistoryFailureSurfacesRetrievalFailureObserved()
    {
        var retrievalFailure = new InvalidOperationException("retrieval failed unread");
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            lock (unobserved)
            {
                unobserved.AddRange(e.Exception.Flatten().InnerExceptions);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            var retrievalDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var store = new GatedStore(_conversations, async () =>
            {
                await retrievalDone.Task.WaitAsync(Patience);
                throw new IOException("history load failed");
            });
            var context = new GatedContext(async () =>
            {
                await Task.Yield();
                retrievalDone.SetResult();
                throw retrievalFailure;
            });

            await Assert.ThrowsAsync<IOException>(() => CreateAgent(store, context).RunAsync(Org, new AgentRunRequest("Capital?", "conv-1"), null, default));

            // The failed retrieval task is garbage now: had nothing observed it, its finalizer would report it here.
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.DoesNotContain(retrievalFailure, unobserved);
        Assert.Empty(_chat.Calls);
    }

    [Fact]
    public async Task RunAsync_StructuredAnswerRetried_RetrievalAskedOnceBothAttemptsGetItsContext()
    {
        _agents.Agents["counter"] = new AgentDefinition("counter", ResponseFormat: JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""").RootElement);
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": "many"}""")));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": 3}""")));
        var context = new GatedContext(() => Task.FromResult(Knowledge));

        var result = await CreateAgent(_conversations, context).RunAsync(Org, new AgentRunRequest("count", null) { Agent = "counter" }, null, default);

        Assert.Equal(1, context.Calls);
        Assert.Equal(2, _chat.Calls.Count);
        Assert.All(_chat.Calls, call => Assert.Contains(call.Messages, m => m.Text == "Knowledge: Paris."));
        Assert.Equal([new Citation("doc-1", "Atlas")], result.Citations);
    }

    private Agent CreateAgent(IConversationStore store, IAgentContextProvider context)
    {
        var options = Options.Create(new AgentOptions { SystemPrompt = "You are the test agent." });
        return new Agent(_agents, new ConfigurationAgentSettings(options), _meter, store, new FakeModelClients(_chat), [], [context], options, TimeProvider.System, _metrics.Metrics, NullLoggerFactory.Instance);
    }

    /// <summary>The fake store, its window load first awaiting <c>gate</c>.</summary>
    private sealed class GatedStore(FakeConversationStore inner, Func<Task> gate) : IConversationStore
    {
        public async Task<ConversationHistory> LoadHistoryAsync(OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken)
        {
            await gate();
            return await inner.LoadHistoryAsync(orgId, conversationId, window, cancellationToken);
        }

        public Task<bool> AppendTurnAsync(OrgId orgId, string conversationId, ConversationTurn turn, CancellationToken cancellationToken) => inner.AppendTurnAsync(orgId, conversationId, turn, cancellationToken);

        public Task<ConversationTurn?> FindTurnAsync(OrgId orgId, string conversationId, string turnId, CancellationToken cancellationToken) => inner.FindTurnAsync(orgId, conversationId, turnId, cancellationToken);

        public Task<ConversationPage> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken) => inner.ListAsync(orgId, limit, cursor, cancellationToken);

        public Task<MessagePage?> GetMessagesAsync(OrgId orgId, string conversationId, MessagePageRequest request, CancellationToken cancellationToken) => inner.GetMessagesAsync(orgId, conversationId, request, cancellationToken);

        public Task<bool> DeleteAsync(OrgId orgId, string conversationId, CancellationToken cancellationToken) => inner.DeleteAsync(orgId, conversationId, cancellationToken);

        public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => inner.DeleteAllAsync(orgId, cancellationToken);
    }

    /// <summary>A context provider that answers with <c>retrieve</c>, counting its calls.</summary>
    private sealed class GatedContext(Func<CancellationToken, Task<AgentContext>> retrieve) : IAgentContextProvider
    {
        public GatedContext(Func<Task<AgentContext>> retrieve)
            : this(_ => retrieve())
        {
        }

        public int Calls { get; private set; }

        public async ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, AgentRunScope run, CancellationToken cancellationToken)
        {
            Calls++;
            return await retrieve(cancellationToken);
        }
    }
}
