using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Agents;

/// <summary>Compaction past the window: the fold (which messages, with the previous summary, budgeted and metered), failures, and what the model reads.</summary>
public sealed class ConversationCompactorTests : IDisposable
{
    private static readonly OrgId Org = OrgId.Parse("org-a");

    private readonly FakeChatClient _chat = new();
    private readonly FakeConversationStore _store = new();
    private readonly RecordingUsageMeter _meter = new();
    private readonly FakeAgentDefinitions _agents = new();
    private readonly MetricsRecorder _metrics = new();

    [Fact]
    public async Task FoldAsync_TurnPushesMessagesOutOfWindow_FoldsThemWithPreviousSummaryInOneBudgetedMeteredCall()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "S2")));
        var history = History(count: 6, summary: new RunningSummary("S1", 2), messages: ["m2", "m3", "m4", "m5"]);

        var summary = await Compactor().FoldAsync(_chat, Turn(window: 4), history, User("u"), Assistant("a"), default);

        Assert.Equal(new RunningSummary("S2", 4), summary);
        var (sent, options) = Assert.Single(_chat.Calls);
        var text = string.Join("\n", sent.Select(m => m.Text));
        Assert.Contains("S1", text, StringComparison.Ordinal);
        Assert.Contains("m2", text, StringComparison.Ordinal);
        Assert.Contains("m3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("m4", text, StringComparison.Ordinal);
        Assert.Equal(64, options!.MaxOutputTokens);
        var entry = Assert.Single(_meter.Entries);
        Assert.Equal(("memo", 11L, 7L, 0), (entry.Agent, entry.ChatInputTokens, entry.ChatOutputTokens, entry.Runs));
    }

    [Fact]
    public async Task FoldAsync_WindowNotFull_NoModelCall()
    {
        var summary = await Compactor().FoldAsync(_chat, Turn(window: 4), History(count: 2, summary: null, messages: ["m0", "m1"]), User("u"), Assistant("a"), default);

        Assert.Null(summary);
        Assert.Empty(_chat.Calls);
    }

    [Fact]
    public async Task FoldAsync_BacklogLeftByFailedSummary_FoldsBacklogAndFallenOutMessages()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "S")));
        var history = History(count: 6, summary: null, messages: ["m2", "m3", "m4", "m5"]) with { Backlog = [User("m0"), Assistant("m1")] };

        var summary = await Compactor().FoldAsync(_chat, Turn(window: 4), history, User("u"), Assistant("a"), default);

        Assert.Equal(4, summary!.Covers);
        var text = string.Join("\n", _chat.Calls[0].Messages.Select(m => m.Text));
        Assert.True(new[] { "m0", "m1", "m2", "m3" }.All(m => text.Contains(m, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FoldAsync_ModelFails_ReturnsNullWithoutThrowing()
    {
        _chat.Enqueue(new HttpRequestException("model down"));

        var summary = await Compactor().FoldAsync(_chat, Turn(window: 4), History(count: 6, summary: null, messages: ["m2", "m3", "m4", "m5"]), User("u"), Assistant("a"), default);

        Assert.Null(summary);
    }

    [Fact]
    public void Memory_WithSummary_SummaryFirstThenOnlyUncoveredMessages()
    {
        var history = History(count: 6, summary: new RunningSummary("earlier", 3), messages: ["m2", "m3", "m4", "m5"]);

        var memory = TableChatHistoryProvider.Memory(history).ToList();

        Assert.Equal((ChatRole.System, ConversationCompactor.SummaryPrefix + "earlier"), (memory[0].Role, memory[0].Text));
        Assert.Equal(["m3", "m4", "m5"], memory.Skip(1).Select(m => m.Text));
    }

    [Fact]
    public async Task RunAsync_CompactionOnPastWindow_NextTurnReadsSummaryAheadOfWindow()
    {
        _agents.Agents["memo"] = new AgentDefinition("memo", Instructions: "You remember.", Compaction: true);
        _store.Seed(Org, "c1", new ConversationTurn(null, User("first question"), Assistant("first answer")) { Agent = "memo" });
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "second answer")));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "they asked a first question")));
        var agent = CreateAgent(window: 2);

        var result = await agent.RunAsync(Org, new AgentRunRequest("second question", "c1") { Agent = "memo" }, null, default);
        await agent.RunAsync(Org, new AgentRunRequest("third question", "c1") { Agent = "memo" }, null, default);

        Assert.Equal("second answer", result.Output);
        Assert.Equal(new RunningSummary("they asked a first question", 2), _store.Appended[0].Turn.Summary);
        var third = _chat.Calls[2].Messages;
        Assert.Equal(["You remember.", ConversationCompactor.SummaryPrefix + "they asked a first question", "second question", "second answer", "third question"], third.Select(m => m.Text));
        Assert.Equal(2, _meter.Recorded.Count); // the runs; the summary is metered as an entry of its own
        Assert.Contains(_meter.Entries, e => e is { Agent: "memo", Runs: 0, ChatInputTokens: 11 });
    }

    [Fact]
    public async Task RunAsync_SummaryCallFails_AnswerReturnedTurnStoredWithoutSummary()
    {
        _agents.Agents["memo"] = new AgentDefinition("memo", Compaction: true);
        _store.Seed(Org, "c1", new ConversationTurn(null, User("first question"), Assistant("first answer")) { Agent = "memo" });
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "second answer")));
        _chat.Enqueue(new HttpRequestException("summary down"));

        var result = await CreateAgent(window: 2).RunAsync(Org, new AgentRunRequest("second question", "c1") { Agent = "memo" }, null, default);

        Assert.Equal("second answer", result.Output);
        Assert.Equal(2, _chat.Calls.Count);
        var stored = Assert.Single(_store.Appended).Turn;
        Assert.Equal("second answer", stored.Assistant.Content);
        Assert.Null(stored.Summary);
    }

    [Fact]
    public async Task RunAsync_CompactionOff_NoSummaryCall()
    {
        _agents.Agents["plain"] = new AgentDefinition("plain");
        _store.Seed(Org, "c1", new ConversationTurn(null, User("first question"), Assistant("first answer")) { Agent = "plain" });

        await CreateAgent(window: 2).RunAsync(Org, new AgentRunRequest("second question", "c1") { Agent = "plain" }, null, default);

        Assert.Single(_chat.Calls);
        Assert.Null(Assert.Single(_store.Appended).Turn.Summary);
        Assert.Equal(0, Assert.Single(_store.Windows).Backlog);
    }

    public void Dispose() => _metrics.Dispose();

    private ConversationCompactor Compactor() =>
        new(_meter, Options.Create(new AgentOptions { SummaryMaxOutputTokens = 64 }), NullLogger<ConversationCompactor>.Instance);

    private Agent CreateAgent(int window)
    {
        var options = Options.Create(new AgentOptions { SystemPrompt = "Org prompt.", HistoryMessages = window });
        return new Agent(_agents, new ConfigurationAgentSettings(options), _meter, _store, new FakeModelClients(_chat), [], [], options, TimeProvider.System, _metrics.Metrics, NullLoggerFactory.Instance);
    }

    private static AgentTurn Turn(int window) => new()
    {
        OrgId = Org,
        Agent = "memo",
        ConversationId = "c1",
        Window = new ContextWindow(window, 100_000, window),
        Scope = new AgentRunScope(),
    };

    /// <summary>A loaded window of the newest messages of a conversation of <paramref name="count"/> messages, alternating user/assistant.</summary>
    private static ConversationHistory History(long count, RunningSummary? summary, string[] messages) =>
        new(true, [.. messages.Select((m, i) => i % 2 == 0 ? User(m) : Assistant(m))],
            new ConversationVersion("c1", new Azure.ETag("1"), count, default, default, null) { Summary = summary });

    private static ConversationMessage User(string text) => new(MessageRole.User, text, default);

    private static ConversationMessage Assistant(string text) => new(MessageRole.Assistant, text, default);
}
