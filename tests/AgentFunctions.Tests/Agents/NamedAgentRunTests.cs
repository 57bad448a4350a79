using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Agents;

/// <summary>Runs that pick a named agent: its settings, tools, other agents as tools, and structured output.</summary>
public sealed class NamedAgentRunTests : IDisposable
{
    private static readonly OrgId Org = OrgId.Parse("org-a");
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""").RootElement;

    private readonly FakeChatClient _chat = new();
    private readonly FakeConversationStore _store = new();
    private readonly RecordingUsageMeter _meter = new();
    private readonly FakeAgentDefinitions _agents = new();
    private readonly List<IAgentToolProvider> _tools = [];
    private readonly MetricsRecorder _metrics = new();
    private FakeModelClients _models = null!;

    [Fact]
    public async Task RunAsync_NamedAgent_ModelGetsItsInstructionsDeploymentAndSettings()
    {
        _agents.Agents["sales"] = new AgentDefinition("sales", Instructions: "You sell.", Model: new AgentModelSettings("gpt-sales", 0.25f, 77));

        var result = await CreateAgent().RunAsync(Org, new AgentRunRequest("hi", null) { Agent = "sales" }, null, default);

        var (messages, options) = Assert.Single(_chat.Calls);
        Assert.Equal("You sell.", messages[0].Text);
        Assert.Equal((0.25f, 77), (options!.Temperature!.Value, options.MaxOutputTokens!.Value));
        Assert.Equal("gpt-sales", Assert.Single(_models.Requested).Target.Model);
        Assert.Equal("sales", result.Agent);
        Assert.Equal("sales", Assert.Single(_store.Appended).Turn.Agent);
    }

    [Fact]
    public async Task RunAsync_UnknownAgent_AgentNotFoundWithoutModelCallOrQuotaCheck()
    {
        var refused = await Assert.ThrowsAsync<ApiException>(() => CreateAgent().RunAsync(Org, new AgentRunRequest("hi", null) { Agent = "nobody" }, null, default));

        Assert.Equal((404, ErrorCodes.AgentNotFound), (refused.Status, refused.Code));
        Assert.Empty(_chat.Calls);
        Assert.Empty(_store.Appended);
        Assert.Equal(0, _meter.Checks);
    }

    [Fact]
    public async Task RunAsync_AgentNamesSomeTools_ModelOfferedOnlyThose()
    {
        _tools.Add(new FixedTools(AIFunctionFactory.Create(() => "r", "get_record"), AIFunctionFactory.Create(() => "p", "put_record")));
        _agents.Agents["reader"] = new AgentDefinition("reader", Tools: ["get_record"]);

        await CreateAgent().RunAsync(Org, new AgentRunRequest("hi", null) { Agent = "reader" }, null, default);

        Assert.Equal(["get_record"], _chat.Calls[0].Options!.Tools!.Select(t => t.Name));
    }

    [Fact]
    public async Task RunAsync_AgentAsTool_CalleeRunsWithOwnInstructionsAndFreshContext()
    {
        _agents.Agents["boss"] = new AgentDefinition("boss", Instructions: "You delegate.", Tools: ["expert"]);
        _agents.Agents["expert"] = new AgentDefinition("expert", Description: "Knows things.", Instructions: "You are the expert.");
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "expert", new Dictionary<string, object?> { ["input"] = "sub-question" })])));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "expert answer")));
        _chat.Enqueue(messages => new ChatResponse(new ChatMessage(ChatRole.Assistant, $"boss says {messages.Last().Contents.OfType<FunctionResultContent>().Single().Result}")));

        var result = await CreateAgent().RunAsync(Org, new AgentRunRequest("question", null) { Agent = "boss" }, null, default);

        Assert.Equal(3, _chat.Calls.Count);
        var expertTool = Assert.Single(_chat.Calls[0].Options!.Tools!);
        Assert.Equal(("expert", "Knows things."), (expertTool.Name, expertTool.Description));
        Assert.Equal(["You are the expert.", "sub-question"], _chat.Calls[1].Messages.Select(m => m.Text));
        Assert.Equal("boss says expert answer", result.Output);
        Assert.Equal(2, _meter.Recorded.Count); // the callee's tokens and the run's
        Assert.Single(_store.Appended); // only the caller's turn is stored
    }

    [Fact]
    public async Task RunAsync_AgentsCallingAgents_DeepestGetsNoAgentTools()
    {
        _agents.Agents["a"] = new AgentDefinition("a", Tools: ["b"]);
        _agents.Agents["b"] = new AgentDefinition("b", Tools: ["c"]);
        _agents.Agents["c"] = new AgentDefinition("c", Tools: ["d"]);
        _agents.Agents["d"] = new AgentDefinition("d");
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "b", new Dictionary<string, object?> { ["input"] = "to b" })])));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c2", "c", new Dictionary<string, object?> { ["input"] = "to c" })])));

        await CreateAgent().RunAsync(Org, new AgentRunRequest("go", null) { Agent = "a" }, null, default);

        Assert.Equal(["b"], _chat.Calls[0].Options!.Tools!.Select(t => t.Name));
        Assert.Equal(["c"], _chat.Calls[1].Options!.Tools!.Select(t => t.Name));
        Assert.Null(_chat.Calls[2].Options!.Tools); // c runs at depth 2: d is not offered
    }

    [Fact]
    public async Task RunAsync_ValidStructuredAnswer_OutputParsedTextKeptSchemaSent()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": 42}""")));

        var result = await CreateAgent().RunAsync(Org, new AgentRunRequest("count", null) { ResponseFormat = Schema }, null, default);

        Assert.Equal(42, result.Structured!.Value.GetProperty("n").GetInt32());
        Assert.Equal("""{"n": 42}""", result.Text);
        var format = Assert.IsType<ChatResponseFormatJson>(_chat.Calls[0].Options!.ResponseFormat);
        Assert.Equal("integer", format.Schema!.Value.GetProperty("properties").GetProperty("n").GetProperty("type").GetString());
        var json = JsonSerializer.SerializeToElement(result);
        Assert.Equal(42, json.GetProperty("output").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task RunAsync_InvalidThenValidAnswer_OneRetry()
    {
        _agents.Agents["counter"] = new AgentDefinition("counter", ResponseFormat: Schema);
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": "many"}""")));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": 3}""")));

        var result = await CreateAgent().RunAsync(Org, new AgentRunRequest("count", null) { Agent = "counter" }, null, default);

        Assert.Equal(2, _chat.Calls.Count);
        Assert.Equal(3, result.Structured!.Value.GetProperty("n").GetInt32());
        Assert.Single(_store.Appended);
    }

    [Fact]
    public async Task RunAsync_InvalidTwice_502InvalidModelOutputNothingStoredTokensMetered()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "not json")));
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"m": 1}""")));

        var refused = await Assert.ThrowsAsync<ApiException>(() => CreateAgent().RunAsync(Org, new AgentRunRequest("count", null) { ResponseFormat = Schema }, null, default));

        Assert.Equal((502, ErrorCodes.InvalidModelOutput), (refused.Status, refused.Code));
        Assert.Equal(2, _chat.Calls.Count);
        Assert.Empty(_store.Appended);
        Assert.Equal(2, _meter.Recorded.Count);
    }

    [Fact]
    public async Task RunStreamingAsync_StructuredOutput_OneDoneWithParsedOutput()
    {
        _chat.Enqueue(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"n": 5}""")));

        var updates = await CreateAgent().RunStreamingAsync(Org, new AgentRunRequest("count", null) { ResponseFormat = Schema }, default).ToListAsync();

        var done = Assert.Single(updates);
        Assert.Equal(5, done.Result!.Structured!.Value.GetProperty("n").GetInt32());
    }

    public void Dispose() => _metrics.Dispose();

    private Agent CreateAgent()
    {
        var options = Options.Create(new AgentOptions { SystemPrompt = "Org prompt." });
        _models = new FakeModelClients(_chat);
        return new Agent(_agents, new ConfigurationAgentSettings(options), _meter, _store, _models, _tools, [], options, TimeProvider.System, _metrics.Metrics, NullLoggerFactory.Instance);
    }
}
