using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Agents;

public sealed class AgentTests : IDisposable
{
    private static readonly OrgId Org = OrgId.Parse("org-a");
    private static readonly DateTimeOffset Earlier = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeChatClient _chat = new();
    private readonly FakeConversationStore _store = new();
    private readonly RecordingUsageMeter _meter = new();
    private readonly AgentOptions _options = new() { SystemPrompt = "You are the test agent." };
    private readonly List<IAgentToolProvider> _tools = [];
    private readonly List<IAgentContextProvider> _contexts = [];
    private readonly FakeAgentDefinitions _agents = new();
    private OrgAgentSettings? _settings;
    private IModelClients? _models;
    private readonly MetricsRecorder _metrics = new();

    [Fact]
    public async Task RunAsync_NewConversation_SendsSystemPromptAndInputAndStoresTurnOnce()
    {
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("What is the capital of France?", null), null, default);

        Assert.Equal("Echo: What is the capital of France?", result.Output);
        Assert.True(Identifiers.IsResourceId(result.ConversationId));
        Assert.Equal(new AgentUsage(11, 7), result.Usage);
        Assert.Empty(result.Citations);
        var (messages, _) = Assert.Single(_chat.Calls);
        Assert.Equal([(ChatRole.System, "You are the test agent."), (ChatRole.User, "What is the capital of France?")], messages.Select(m => (m.Role, m.Text)));
        Assert.DoesNotContain(nameof(IConversationStore.LoadHistoryAsync), _store.Calls);
        var (org, conversationId, turn) = Assert.Single(_store.Appended);
        Assert.Equal((Org, result.ConversationId), (org, conversationId));
        Assert.Equal((MessageRole.User, "What is the capital of France?"), (turn.User.Role, turn.User.Content));
        Assert.Equal((MessageRole.Assistant, result.Output), (turn.Assistant.Role, turn.Assistant.Content));
        Assert.Equal([new AgentUsage(11, 7)], _meter.Recorded);
    }

    [Fact]
    public async Task RunAsync_ExistingConversation_LoadsConfiguredWindowAndSendsHistoryInOrder()
    {
        _options.HistoryMessages = 3;
        _options.HistoryCharacters = 500;
        _store.Seed(Org, "conv-1", Turn("first question", "first answer"), Turn("second question", "second answer"));
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("third question", "conv-1"), null, default);

        Assert.Equal("conv-1", result.ConversationId);
        Assert.Equal([new ContextWindow(3, 500)], _store.Windows);
        Assert.Equal(
            ["You are the test agent.", "first answer", "second question", "second answer", "third question"],
            _chat.Calls[0].Messages.Select(m => m.Text));
        Assert.Single(_store.Appended);
    }

    [Fact]
    public async Task RunAsync_OrgSettings_ReachModelClientAndChatOptions()
    {
        _settings = new OrgAgentSettings("Org prompt.", "org-deployment", 0.3f, 123, new Uri("https://org.example/"), "ORG_MODEL_KEY", Version: 7);
        var models = new FakeModelClients(_chat);
        _models = models;
        var agent = CreateAgent();

        await agent.RunAsync(Org, new AgentRunRequest("hi", null), null, default);

        Assert.Equal([((OrgId?)Org, new ChatModelTarget("org-deployment", new Uri("https://org.example/"), "ORG_MODEL_KEY", 7))], models.Requested);
        var (messages, options) = Assert.Single(_chat.Calls);
        Assert.Equal("Org prompt.", messages[0].Text);
        Assert.Equal(0.3f, options!.Temperature);
        Assert.Equal(123, options.MaxOutputTokens);
    }

    [Fact]
    public async Task RunAsync_ModelUnavailable_ThrowsAndStoresNothing()
    {
        _chat.Enqueue(ApiException.ModelUnavailable(503, "down"));
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", "conv-1"), null, default));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Empty(_store.Appended);
        Assert.Empty(_meter.Recorded);
    }

    [Fact]
    public async Task RunAsync_EmptyModelAnswer_ThrowsModelUnavailableAndStoresNothing()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, " ")));
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", null), null, default));

        Assert.Equal((502, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Empty(_store.Appended);
    }

    [Fact]
    public async Task RunAsync_TurnIdAlreadyStored_ReturnsStoredAnswerWithoutCallingModel()
    {
        _store.Seed(Org, "conv-1", Turn("question", "stored answer", turnId: "job-1"));
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("question", "conv-1"), "job-1", default);

        Assert.Equal(("stored answer", "conv-1", new AgentUsage(0, 0)), (result.Output, result.ConversationId, result.Usage));
        Assert.Empty(_chat.Calls);
        Assert.Equal(0, _meter.Checks);
        Assert.Empty(_store.Appended);
    }

    [Fact]
    public async Task RunAsync_NewTurnId_IsStoredWithTheTurn()
    {
        var agent = CreateAgent();

        await agent.RunAsync(Org, new AgentRunRequest("question", "conv-1"), "job-2", default);
        var again = await agent.RunAsync(Org, new AgentRunRequest("question", "conv-1"), "job-2", default);

        Assert.Equal("job-2", Assert.Single(_store.Appended).Turn.TurnId);
        Assert.Single(_chat.Calls);
        Assert.Equal("Echo: question", again.Output);
    }

    [Fact]
    public async Task RunNewTurnAsync_FirstAttempt_SkipsTheLookupAndStoresTheTurnUnderItsId()
    {
        var agent = CreateAgent();

        var first = await agent.RunNewTurnAsync(Org, new AgentRunRequest("question", "conv-1"), "job-3", newConversation: false, default);
        var retried = await agent.RunAsync(Org, new AgentRunRequest("question", "conv-1"), "job-3", default);

        Assert.DoesNotContain(nameof(FakeConversationStore.FindTurnAsync), _store.Calls.Take(_store.Calls.IndexOf(nameof(FakeConversationStore.AppendTurnAsync))));
        Assert.Equal("job-3", Assert.Single(_store.Appended).Turn.TurnId);
        Assert.Single(_chat.Calls);
        Assert.Equal((first.Output, first.ConversationId), (retried.Output, retried.ConversationId));
    }

    [Fact]
    public async Task RunNewTurnAsync_ConversationTheCallerGenerated_ReadsNoHistoryAndStoresTheTurnInIt()
    {
        var agent = CreateAgent();

        var result = await agent.RunNewTurnAsync(Org, new AgentRunRequest("question", "conv-new"), "job-4", newConversation: true, default);

        Assert.DoesNotContain(nameof(IConversationStore.LoadHistoryAsync), _store.Calls);
        var (_, conversationId, turn) = Assert.Single(_store.Appended);
        Assert.Equal(("conv-new", "job-4"), (conversationId, turn.TurnId));
        Assert.Equal("conv-new", result.ConversationId);
    }

    [Fact]
    public async Task RunAsync_TurnAppendFails_TokensMeteredThenTheFailureRaised()
    {
        _store.FailAppend = new InvalidOperationException("storage down");
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", "conv-1"), null, default));

        Assert.Equal("storage down", error.Message);
        Assert.Equal([new AgentUsage(11, 7)], _meter.Recorded);
        Assert.Empty(_store.Appended);
    }

    [Fact]
    public async Task RunAsync_QuotaExceeded_ModelNeverCalledAndNothingStored()
    {
        _meter.Refuse = new ApiException(429, ErrorCodes.QuotaExceeded, "over quota");
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", "conv-1"), null, default));

        Assert.Equal(ErrorCodes.QuotaExceeded, error.Code);
        Assert.Empty(_chat.Calls);
        Assert.Empty(_store.Calls);
    }

    [Theory]
    [InlineData("", null, ErrorCodes.InvalidRequest)]
    [InlineData("hi", "conv/1", ErrorCodes.InvalidRequest)]
    [InlineData("hi", "conv' or ''='", ErrorCodes.InvalidRequest)]
    public async Task RunAsync_InvalidRequest_RefusedBeforeAnyIo(string input, string? conversationId, string code)
    {
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest(input, conversationId), null, default));

        Assert.Equal((400, code), (error.Status, error.Code));
        Assert.Empty(_store.Calls);
        Assert.Empty(_chat.Calls);
        Assert.Equal(0, _meter.Checks);
    }

    [Fact]
    public async Task RunAsync_NoModelConfigured_Throws503NamingTheSettingsBeforeReadingHistory()
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddModels()
            .BuildServiceProvider();
        _models = services.GetRequiredService<IModelClients>();
        var agent = CreateAgent();

        var error = await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", "conv-1"), null, default));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Contains("AzureOpenAI__Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("AzureOpenAI__ChatDeployment", error.Message, StringComparison.Ordinal);
        Assert.Contains("OpenAI__Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("OpenAI__ChatModel", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Calls);
    }

    [Fact]
    public async Task RunAsync_ToolProvider_ModelCallsToolThroughFunctionInvocation()
    {
        var calls = new List<string>();
        var tools = new FixedTools(AIFunctionFactory.Create((string city) => { calls.Add(city); return $"sunny in {city}"; }, "get_weather"));
        _tools.Add(tools);
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })])));
        _chat.Enqueue(messages => new ChatResponse(new ChatMessage(ChatRole.Assistant,
            $"The tool said {messages.Last().Contents.OfType<FunctionResultContent>().Single().Result}")));
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("Weather in Paris?", null), null, default);

        Assert.Equal([Org], tools.AskedFor);
        Assert.Equal(["Paris"], calls);
        Assert.Equal(2, _chat.Calls.Count);
        Assert.Equal(["get_weather"], _chat.Calls[0].Options!.Tools!.Select(t => t.Name));
        Assert.Equal("The tool said sunny in Paris", result.Output);
        Assert.Equal("The tool said sunny in Paris", Assert.Single(_store.Appended).Turn.Assistant.Content);
        Assert.Equal(new AgentUsage(22, 14), result.Usage); // both round trips counted
    }

    [Fact]
    public async Task RunAsync_ContextProvider_MessagesFollowSystemPromptAndCitationsAreReturned()
    {
        _contexts.Add(new FixedContext(new AgentContext([new ChatMessage(ChatRole.System, "Knowledge: Paris is the capital.")], [new Citation("doc-1", "Atlas")])));
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("Capital?", null), null, default);

        Assert.Equal(["You are the test agent.", "Knowledge: Paris is the capital.", "Capital?"], _chat.Calls[0].Messages.Select(m => m.Text));
        Assert.Equal([new Citation("doc-1", "Atlas")], result.Citations);
    }

    [Fact]
    public async Task RunAsync_ToolAddsCitationsToItsRun_ResultHasContextAndToolCitationsOncePerDocument()
    {
        _contexts.Add(new FixedContext(new AgentContext([new ChatMessage(ChatRole.System, "Knowledge: Paris.")], [new Citation("doc-1", "Atlas")])));
        _tools.Add(new CitingTools("lookup", [new Citation("doc-1", "Atlas"), new Citation("doc-2", "Rivers")]));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "lookup", new Dictionary<string, object?>())])));
        var agent = CreateAgent();

        var result = await agent.RunAsync(Org, new AgentRunRequest("Rivers of Paris?", null), null, default);
        var second = await agent.RunAsync(Org, new AgentRunRequest("No tool this time", null), null, default);

        Assert.Equal([new Citation("doc-1", "Atlas"), new Citation("doc-2", "Rivers")], result.Citations);
        Assert.Equal([new Citation("doc-1", "Atlas")], second.Citations); // the first run's tool citations stay in the first run
    }

    [Fact]
    public async Task RunStreamingAsync_ToolAddsCitations_DoneResultCarriesThem()
    {
        _tools.Add(new CitingTools("lookup", [new Citation("doc-2", "Rivers")]));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "lookup", new Dictionary<string, object?>())])));
        var agent = CreateAgent();

        var updates = await agent.RunStreamingAsync(Org, new AgentRunRequest("Rivers?", null), default).ToListAsync();

        Assert.Equal([new Citation("doc-2", "Rivers")], updates[^1].Result!.Citations);
    }

    [Fact]
    public async Task RunStreamingAsync_Completes_YieldsDeltasThenOneResultAndStoresOnce()
    {
        var agent = CreateAgent();

        var updates = await agent.RunStreamingAsync(Org, new AgentRunRequest("stream this please", "conv-1"), default).ToListAsync();

        Assert.Equal(["Echo:", " stream", " this", " please"], updates.Where(u => u.Delta is not null).Select(u => u.Delta));
        var result = Assert.Single(updates, u => u.Result is not null).Result!;
        Assert.Same(result, updates[^1].Result);
        Assert.Equal(("Echo: stream this please", "conv-1"), (result.Output, result.ConversationId));
        Assert.Equal(new AgentUsage(11, 7), result.Usage);
        Assert.Equal("Echo: stream this please", Assert.Single(_store.Appended).Turn.Assistant.Content);
        Assert.Equal(new AgentUsage(11, 7), Assert.Single(_meter.Recorded));
    }

    [Fact]
    public async Task RunStreamingAsync_ClientLeavesAfterFirstDelta_TokensSentSoFarCountAndNothingIsStored()
    {
        var agent = CreateAgent();

        var stream = agent.RunStreamingAsync(Org, new AgentRunRequest("stream this please", "conv-1"), default).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("Echo:", stream.Current.Delta);
        await stream.DisposeAsync();

        var usage = Assert.Single(_meter.Recorded);
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0, $"recorded {usage}");
        Assert.Empty(_store.Appended);
    }

    [Fact]
    public async Task RunStreamingAsync_ServerSendsNoUsage_EstimatesFourCharactersPerToken()
    {
        _chat.Usage = null;
        var agent = CreateAgent();

        var updates = await agent.RunStreamingAsync(Org, new AgentRunRequest("abcdefgh", null), default).ToListAsync();

        // Sent: "You are the test agent." (23) + "abcdefgh" (8) = 31 characters → 8; answer "Echo: abcdefgh" (14) → 4.
        Assert.Equal(new AgentUsage(8, 4), updates[^1].Result!.Usage);
    }

    [Fact]
    public async Task RunStreamingAsync_FailsMidStream_ThrowsAndStoresNothing()
    {
        _chat.FailMidStream = ApiException.ModelUnavailable(502, "stream broke");
        var agent = CreateAgent();
        var deltas = new List<string?>();

        var error = await Assert.ThrowsAsync<ApiException>(async () =>
        {
            await foreach (var update in agent.RunStreamingAsync(Org, new AgentRunRequest("will break", "conv-1"), default))
            {
                deltas.Add(update.Delta);
            }
        });

        Assert.Equal(ErrorCodes.ModelUnavailable, error.Code);
        Assert.Equal(["Echo:"], deltas);
        Assert.Empty(_store.Appended);
        // What the model produced before the break was generated and sent, so it counts (once).
        Assert.Single(_meter.Recorded);
    }

    [Fact]
    public async Task RunAsync_Completes_RecordsSuccessfulModelCallWithTokensForTheOrg()
    {
        var agent = CreateAgent();

        await agent.RunAsync(Org, new AgentRunRequest("measure me", null), null, default);

        var duration = Assert.Single(_metrics.Measurements, m => m.Instrument == "agent.model.duration");
        Assert.Equal(("org-a", "success"), (duration.Tags["org.id"], duration.Tags["outcome"]));
        var tokens = _metrics.Measurements.Where(m => m.Instrument == "agent.model.tokens").ToDictionary(m => (string)m.Tags["token.type"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["input"] = 11, ["output"] = 7 }, tokens);
    }

    [Fact]
    public async Task RunAsync_ModelUnavailable_RecordsFailedModelCallWithoutTokens()
    {
        _chat.Enqueue(ApiException.ModelUnavailable(503, "down"));
        var agent = CreateAgent();

        await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", null), null, default));

        var duration = Assert.Single(_metrics.Measurements);
        Assert.Equal(("agent.model.duration", "org-a", "failure"), (duration.Instrument, duration.Tags["org.id"], duration.Tags["outcome"]));
    }

    [Fact]
    public async Task RunStreamingAsync_FailsMidStream_RecordsFailedModelCall()
    {
        _chat.FailMidStream = ApiException.ModelUnavailable(502, "stream broke");
        var agent = CreateAgent();

        await Assert.ThrowsAsync<ApiException>(async () => await agent.RunStreamingAsync(Org, new AgentRunRequest("will break", null), default).ToListAsync());

        Assert.Equal("failure", Assert.Single(_metrics.Measurements).Tags["outcome"]);
    }

    [Fact]
    public async Task RunAsync_EmptyModelAnswer_RecordsFailedModelCall()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, " ")));
        var agent = CreateAgent();

        await Assert.ThrowsAsync<ApiException>(() => agent.RunAsync(Org, new AgentRunRequest("hi", null), null, default));

        Assert.Equal("failure", Assert.Single(_metrics.Measurements).Tags["outcome"]);
    }

    public void Dispose() => _metrics.Dispose();

    private static ConversationTurn Turn(string question, string answer, string? turnId = null) =>
        new(turnId, new ConversationMessage(MessageRole.User, question, Earlier), new ConversationMessage(MessageRole.Assistant, answer, Earlier));

    private Agent CreateAgent()
    {
        var options = Options.Create(_options);
        IOrgAgentSettingsSource settings = _settings is null ? new ConfigurationAgentSettings(options) : new FixedSettings(_settings);
        return new Agent(_agents, settings, _meter, _store, _models ?? new FakeModelClients(_chat), _tools, _contexts, options, TimeProvider.System, _metrics.Metrics, NullLoggerFactory.Instance);
    }
}
