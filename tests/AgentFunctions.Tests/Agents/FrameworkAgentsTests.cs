using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Agents;

/// <summary>The cache of framework agents and the history provider's arrangement of what the model is sent.</summary>
public sealed class FrameworkAgentsTests
{
    private static readonly OrgId OrgA = OrgId.Parse("org-a");
    private static readonly OrgId OrgB = OrgId.Parse("org-b");
    private static readonly OrgAgentSettings Settings = new("Org prompt.", "model", Version: 1);
    private static readonly AgentDefinition Support = new("support", Description: "Helps.", Model: new AgentModelSettings("support-model", 0.5f, 200));

    private readonly ManualTime _time = new();
    private readonly SwitchableModelClients _models = new();
    private readonly AgentOptions _options = new() { CacheSize = 2, CacheSeconds = 60 };

    [Fact]
    public async Task GetAsync_SameOrgAgentAndVersion_ReusesTheBuiltAgentWithTheDefinitionsSettings()
    {
        var agents = Create();

        var first = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);
        var second = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);

        Assert.Same(first, second);
        Assert.Equal(("support", "Helps."), (first.Name, first.Description));
        Assert.IsType<TableChatHistoryProvider>(first.ChatHistoryProvider);
        Assert.IsType<RetrievalContextProvider>(Assert.Single(first.AIContextProviders!));
        Assert.NotNull(first.ChatClient.GetService<FunctionInvokingChatClient>());
        Assert.Equal("support-model", _models.Requested[^1].Model);
    }

    [Fact]
    public async Task GetAsync_NewDefinitionVersionSettingsVersionOrOrg_BuildsAnotherAgent()
    {
        var agents = Create();
        var first = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);

        var newDefinition = await agents.GetAsync(OrgA, Support, "etag-2", Settings, default);
        var newSettings = await agents.GetAsync(OrgA, Support, "etag-1", Settings with { Version = 2 }, default);
        var otherOrg = await agents.GetAsync(OrgB, Support, "etag-1", Settings, default);

        Assert.Equal(4, new object[] { first, newDefinition, newSettings, otherOrg }.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public async Task GetAsync_OrgGetsAnotherClient_RebuildsOverTheNewClient()
    {
        var agents = Create();
        var first = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);

        _models.Client = new FakeChatClient(); // e.g. the org's key was rotated
        var second = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);

        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task GetAsync_FullCache_EvictsTheLeastRecentlyUsed()
    {
        var agents = Create();
        var a = await agents.GetAsync(OrgA, Support, "a", Settings, default);
        var b = await agents.GetAsync(OrgA, Support, "b", Settings, default);
        Assert.Same(a, await agents.GetAsync(OrgA, Support, "a", Settings, default)); // a is now the most recent

        await agents.GetAsync(OrgA, Support, "c", Settings, default); // the cache holds 2: b goes

        Assert.Same(a, await agents.GetAsync(OrgA, Support, "a", Settings, default));
        Assert.NotSame(b, await agents.GetAsync(OrgA, Support, "b", Settings, default));
    }

    [Fact]
    public async Task GetAsync_AfterCacheSeconds_BuildsAgain()
    {
        var agents = Create();
        var first = await agents.GetAsync(OrgA, Support, "etag-1", Settings, default);

        _time.Advance(TimeSpan.FromSeconds(61));

        Assert.NotSame(first, await agents.GetAsync(OrgA, Support, "etag-1", Settings, default));
    }

    [Fact]
    public void Arrange_HistoryGoesAfterTheLeadingInstructionsAndBeforeTheRequest()
    {
        var at = DateTimeOffset.UnixEpoch;
        var history = new ConversationHistory(true, [new(MessageRole.User, "old question", at), new(MessageRole.Assistant, "old answer", at)]);
        ChatMessage[] request = [new(ChatRole.System, "Agent prompt."), new(ChatRole.System, "Client instruction."), new(ChatRole.User, "new question")];

        var sent = TableChatHistoryProvider.Arrange(request, history);

        Assert.Equal(
            [(ChatRole.System, "Agent prompt."), (ChatRole.System, "Client instruction."), (ChatRole.User, "old question"), (ChatRole.Assistant, "old answer"), (ChatRole.User, "new question")],
            sent.Select(m => (m.Role, m.Text)));
    }

    private FrameworkAgents Create() => new(
        _models,
        new TableChatHistoryProvider(new FakeConversationStore(), new ConversationCompactor(new RecordingUsageMeter(), Options.Create(_options), NullLogger<ConversationCompactor>.Instance), _time),
        new RetrievalContextProvider([]),
        Options.Create(_options),
        _time,
        NullLoggerFactory.Instance);

    private sealed class SwitchableModelClients : IModelClients
    {
        public IChatClient Client { get; set; } = new FakeChatClient();

        public List<ChatModelTarget> Requested { get; } = [];

        public IChatClient GetChatClient(string? model = null) => Client;

        public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken)
        {
            Requested.Add(target);
            return Task.FromResult(Client);
        }

        public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => throw new NotSupportedException();
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
