using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// What Microsoft Agent Framework costs a run, measured side by side on the app's own registrations with the
/// zero-latency model of <see cref="TurnBenchmark"/> (in process: the strictest case, no HTTP to hide behind):
/// <list type="bullet">
/// <item><c>framework</c>: one run of the real <see cref="IAgent"/> — the cached <c>ChatClientAgent</c>, its Table-backed
/// history provider and retrieval context provider, a session per run;</item>
/// <item><c>direct</c>: the same turn as the run did before the framework, by hand over the same services: the agent's
/// definition, quota, settings, the org's client, the window load, the prompt, the function-invocation pipeline over
/// the bare <see cref="IChatClient"/>, metering and the turn's append.</item>
/// </list>
/// Both on conversations of 10 and of 10,000 messages (window 10). Variants run interleaved (rotating order each
/// round) after a warm-up. Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- framework [rounds]
/// </summary>
internal static class FrameworkBenchmark
{
    private const int SmallConversations = 40;
    private const int LargeMessages = 10_000;

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
        var warmup = Math.Max(20, rounds / 10);
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var service = new TableServiceClient(azurite.ConnectionString);
            var store = new TableConversationStore(new TableProvider(service), TimeProvider.System, new KeepEverything(), NullLogger<TableConversationStore>.Instance);
            var table = service.GetTableClient(ConversationKeys.TableName);
            await using var app = TurnBenchmark.AgentServices(azurite.ConnectionString);
            var agent = app.GetRequiredService<IAgent>();
            var direct = new DirectTurn(app);

            for (var i = 0; i < SmallConversations; i++)
            {
                await TurnBenchmark.SeedAsync(store, table, $"framework-{i}", 10);
                await TurnBenchmark.SeedAsync(store, table, $"direct-{i}", 10);
            }

            await TurnBenchmark.SeedAsync(store, table, "framework-large", LargeMessages);
            await TurnBenchmark.SeedAsync(store, table, "direct-large", LargeMessages);

            var variants = new (string Name, Func<int, Task> Turn)[]
            {
                ("direct, 10 messages", i => direct.RunAsync($"direct-{i % SmallConversations}")),
                ("framework, 10 messages", i => FrameworkTurnAsync(agent, $"framework-{i % SmallConversations}")),
                ($"direct, {LargeMessages} messages", _ => direct.RunAsync("direct-large")),
                ($"framework, {LargeMessages} messages", _ => FrameworkTurnAsync(agent, "framework-large")),
            };
            var measured = new SideBySide(variants);
            await measured.MeasureAsync(rounds, warmup);
            Console.WriteLine($"one run = agent + settings + window of {TurnBenchmark.Window} + zero-latency model + append; {rounds} rounds after {warmup} warm-up, variants interleaved");
            measured.PrintTable(30);
            measured.PrintRatio("framework / direct, 10 messages", 1, 0);
            measured.PrintRatio($"framework / direct, {LargeMessages} messages", 3, 2);
            measured.PrintRatio($"framework, {LargeMessages} / 10 messages", 3, 1);
            measured.PrintRatio($"direct, {LargeMessages} / 10 messages", 2, 0);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task FrameworkTurnAsync(IAgent agent, string conversationId)
    {
        var result = await agent.RunAsync(TurnBenchmark.Org, new AgentRunRequest(TurnBenchmark.Question, conversationId), turnId: null, default);
        if (result.Output != TurnBenchmark.Answer)
        {
            throw new InvalidOperationException("The framework run did not complete as expected.");
        }
    }

    /// <summary>The turn as the agent ran it before Microsoft Agent Framework, over the same registered services.</summary>
    private sealed class DirectTurn(IServiceProvider app)
    {
        private readonly IAgentDefinitionSource _definitions = app.GetRequiredService<IAgentDefinitionSource>();
        private readonly IOrgAgentSettingsSource _settings = app.GetRequiredService<IOrgAgentSettingsSource>();
        private readonly IUsageMeter _meter = app.GetRequiredService<IUsageMeter>();
        private readonly IConversationStore _conversations = app.GetRequiredService<IConversationStore>();
        private readonly IModelClients _models = app.GetRequiredService<IModelClients>();
        private readonly IEnumerable<IAgentToolProvider> _tools = app.GetServices<IAgentToolProvider>();
        private readonly IEnumerable<IAgentContextProvider> _contexts = app.GetServices<IAgentContextProvider>();
        private readonly AgentOptions _options = app.GetRequiredService<IOptions<AgentOptions>>().Value;
        private readonly ILoggerFactory _loggerFactory = app.GetRequiredService<ILoggerFactory>();

        public async Task RunAsync(string conversationId)
        {
            var org = TurnBenchmark.Org;
            var startedAt = DateTimeOffset.UtcNow;
            var agent = (await _definitions.GetAsync(org, AgentDefinition.DefaultName, default)).Definition;
            await _meter.EnsureWithinQuotaAsync(org, default);
            var settings = await _settings.GetAsync(org, default);
            var client = await _models.GetChatClientAsync(org, new ChatModelTarget(agent.Model?.Deployment ?? settings.Model, settings.Endpoint, settings.ApiKeySetting, settings.Version), default);
            var history = await _conversations.LoadHistoryAsync(org, conversationId, new ContextWindow(_options.HistoryMessages, _options.HistoryCharacters), default);

            var scope = new AgentRunScope();
            var messages = new List<ChatMessage> { new(ChatRole.System, agent.Instructions ?? settings.SystemPrompt) };
            foreach (var provider in _contexts)
            {
                messages.AddRange((await provider.GetContextAsync(org, TurnBenchmark.Question, scope, default)).Messages);
            }

            messages.AddRange(history.Messages.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
            messages.Add(new ChatMessage(ChatRole.User, TurnBenchmark.Question));
            var tools = new List<AITool>();
            foreach (var provider in _tools)
            {
                tools.AddRange(await provider.GetToolsAsync(org, scope, default));
            }

            var chatOptions = new ChatOptions { Temperature = settings.Temperature, MaxOutputTokens = settings.MaxOutputTokens, Tools = tools.Count > 0 ? tools : null };
            var pipeline = new ChatClientBuilder(client).UseFunctionInvocation(_loggerFactory, f => f.MaximumIterationsPerRequest = _options.MaxToolIterations).Build();
            var response = await pipeline.GetResponseAsync(messages, chatOptions, default);
            await _meter.RecordAsync(org, UsageEntry.Chat(AgentDefinition.DefaultName, new AgentUsage(response.Usage!.InputTokenCount!.Value, response.Usage.OutputTokenCount!.Value)), default);
            var turn = new ConversationTurn(
                null, new ConversationMessage(MessageRole.User, TurnBenchmark.Question, startedAt), new ConversationMessage(MessageRole.Assistant, response.Text, DateTimeOffset.UtcNow))
            {
                Agent = AgentDefinition.DefaultName,
                BasedOn = history.Version,
            };
            if (!await _conversations.AppendTurnAsync(org, conversationId, turn, default) || response.Text != TurnBenchmark.Answer)
            {
                throw new InvalidOperationException("The direct turn did not complete as expected.");
            }
        }
    }
}
