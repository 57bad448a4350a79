using System.Diagnostics;
using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// The storage cost of one agent turn (load the window, store user + assistant), measured side by side:
/// <list type="bullet">
/// <item><c>bare</c>: the two storage calls a turn needs, written by hand (one bounded range query, one transaction);</item>
/// <item><c>store/10</c>: the conversation store's load + append on conversations of 10 messages;</item>
/// <item><c>agent/10</c>: one whole agent turn through the real <see cref="Agent"/>, built from the app's own
/// registrations (<c>AddStorage</c>, <c>AddConversations</c>, <c>AddModels</c>, <c>AddAgents</c>) with a zero-latency
/// <see cref="IChatClient"/> in place of the model: settings, history window, prompt assembly, the function-invocation
/// pipeline, the model call, the turn's transaction;</item>
/// <item><c>store/10k</c>, <c>bare/10k</c>, <c>agent/10k</c>: the same on conversations of 10,000 messages.</item>
/// </list>
/// All conversations live in one org partition, so the only difference between the last two is the
/// conversation's length. Variants run interleaved (rotating order each round) after a warm-up.
/// Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- turn [rounds]
/// </summary>
internal static class TurnBenchmark
{
    internal const int Window = 10; // both sizes load the same number of messages: only the length differs
    private const int SmallConversations = 40;
    private const int LargeMessages = 10_000;
    internal static readonly OrgId Org = OrgId.Parse("bench");
    internal static readonly string Question = new('q', 200);
    internal static readonly string Answer = new('a', 600);

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
            await using var app = AgentServices(azurite.ConnectionString);
            var agent = app.GetRequiredService<IAgent>();

            var seeding = Stopwatch.StartNew();
            for (var i = 0; i < SmallConversations; i++)
            {
                await SeedAsync(store, table, $"small-{i}", 10);
                await SeedAsync(store, table, $"bare-{i}", 10);
                await SeedAsync(store, table, $"agent-{i}", 10);
            }

            await SeedAsync(store, table, "large", LargeMessages);
            await SeedAsync(store, table, "bare-large", LargeMessages);
            await SeedAsync(store, table, "agent-large", LargeMessages);
            Console.WriteLine($"seeded {SmallConversations * 3} conversations of 10 messages and three of {LargeMessages} in {seeding.Elapsed.TotalSeconds:F1} s");

            var variants = new (string Name, Func<int, Task> Turn)[]
            {
                ("bare calls, 10 messages", i => BareTurnAsync(table, $"bare-{i % SmallConversations}")),
                ("store turn, 10 messages", i => StoreTurnAsync(store, $"small-{i % SmallConversations}")),
                ($"bare calls, {LargeMessages} messages", _ => BareTurnAsync(table, "bare-large")),
                ($"store turn, {LargeMessages} messages", _ => StoreTurnAsync(store, "large")),
                ("agent turn, 10 messages", i => AgentTurnAsync(agent, $"agent-{i % SmallConversations}")),
                ($"agent turn, {LargeMessages} messages", _ => AgentTurnAsync(agent, "agent-large")),
            };
            var measured = new SideBySide(variants);
            await measured.MeasureAsync(rounds, warmup);
            await VerifyAsync(store);
            Console.WriteLine();
            Console.WriteLine($"one turn = load last {Window} messages + append user/assistant; {rounds} rounds after {warmup} warm-up, variants interleaved");
            measured.PrintTable(34);
            measured.PrintRatio("store turn / bare calls, 10 messages", 1, 0);
            measured.PrintRatio($"store turn / bare calls, {LargeMessages} messages", 3, 2);
            measured.PrintRatio($"store turn, {LargeMessages} / 10 messages", 3, 1);
            measured.PrintRatio($"bare calls, {LargeMessages} / 10 messages", 2, 0);
            measured.PrintRatio("agent turn / bare calls, 10 messages", 4, 0);
            measured.PrintRatio($"agent turn / bare calls, {LargeMessages} messages", 5, 2);
            measured.PrintRatio($"agent turn, {LargeMessages} / 10 messages", 5, 4);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task StoreTurnAsync(TableConversationStore store, string conversationId)
    {
        var history = await store.LoadHistoryAsync(Org, conversationId, new ContextWindow(Window, 100_000), default);
        var turn = new ConversationTurn(null, Message(MessageRole.User, Question), Message(MessageRole.Assistant, Answer)) { BasedOn = history.Version };
        if (!await store.AppendTurnAsync(Org, conversationId, turn, default) || history.Messages.Count != Window)
        {
            throw new InvalidOperationException("The turn was not stored as expected.");
        }
    }

    private static async Task AgentTurnAsync(IAgent agent, string conversationId)
    {
        var result = await agent.RunAsync(Org, new AgentRunRequest(Question, conversationId), turnId: null, default);
        if (result.Output != Answer)
        {
            throw new InvalidOperationException("The agent turn did not complete as expected.");
        }
    }

    /// <summary>
    /// The agent as the app registers it (storage, conversations, models, agent), with the model replaced by
    /// <see cref="ZeroLatencyModel"/>; the history window is the same <see cref="Window"/> the other variants load.
    /// <paramref name="replace"/> swaps more registrations (a benchmark's own model or agents).
    /// </summary>
    internal static ServiceProvider AgentServices(string storage, Action<IServiceCollection>? replace = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Agent:HistoryMessages"] = Window.ToString(CultureInfo.InvariantCulture),
            ["Agent:HistoryCharacters"] = "100000",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddStorage(configuration).AddConversations().AddModels().AddAgents();
        services.Replace(ServiceDescriptor.Singleton<IModelClients>(new ZeroLatencyModel()));
        replace?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>Answers at once with <see cref="Answer"/>, after checking that the agent sent the system prompt, the window and the input.</summary>
    private sealed class ZeroLatencyModel : IModelClients, IChatClient
    {
        public IChatClient GetChatClient(string? model = null) => this;

        public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken) => Task.FromResult<IChatClient>(this);

        public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => throw new NotSupportedException();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (messages.Count() != Window + 2)
            {
                throw new InvalidOperationException($"The agent sent {messages.Count()} messages; expected the system prompt, {Window} history messages and the input.");
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer))
            {
                Usage = new UsageDetails { InputTokenCount = 3_000, OutputTokenCount = 150 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>What a turn needs from storage, by hand: the range query and the transaction.</summary>
    private static async Task BareTurnAsync(TableClient table, string conversationId)
    {
        var (from, to) = ConversationKeys.HistoryRange(conversationId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Org.Value} and RowKey ge {from} and RowKey lt {to}");
        TableEntity? head = null;
        var read = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Window + 1))
        {
            head ??= row;
            if (++read > Window)
            {
                break;
            }
        }

        var count = head!.GetInt64(ConversationColumns.MessageCount)!.Value;
        var now = DateTimeOffset.UtcNow;
        var index = ConversationKeys.Index(now, conversationId);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, new TableEntity(Org.Value, head.RowKey)
            {
                [ConversationColumns.MessageCount] = count + 2, [ConversationColumns.CreatedAt] = now, [ConversationColumns.UpdatedAt] = now, [ConversationColumns.IndexKey] = index,
            }, head.ETag),
            new(TableTransactionActionType.Add, new TableEntity(Org.Value, ConversationKeys.Message(conversationId, count)) { [ConversationColumns.Role] = "user", [ConversationColumns.CreatedAt] = now, ["Content"] = Question }),
            new(TableTransactionActionType.Add, new TableEntity(Org.Value, ConversationKeys.Message(conversationId, count + 1)) { [ConversationColumns.Role] = "assistant", [ConversationColumns.CreatedAt] = now, ["Content"] = Answer }),
            new(TableTransactionActionType.Delete, new TableEntity(Org.Value, head.GetString(ConversationColumns.IndexKey)), ETag.All),
            new(TableTransactionActionType.UpsertReplace, new TableEntity(Org.Value, index) { [ConversationColumns.ConversationId] = conversationId, [ConversationColumns.MessageCount] = count + 2 }),
        };
        await table.SubmitTransactionAsync(actions);
    }

    /// <summary>First turn through the store (head + index row), the rest as raw rows in 100-row transactions.</summary>
    internal static async Task SeedAsync(TableConversationStore store, TableClient table, string conversationId, int messages)
    {
        await store.AppendTurnAsync(Org, conversationId, new ConversationTurn(null, Message(MessageRole.User, Question), Message(MessageRole.Assistant, Answer)), default);
        var rows = Enumerable.Range(2, messages - 2).Select(seq => TableConversationStore.MessageRow(
            Org, conversationId, seq, Message(seq % 2 == 0 ? MessageRole.User : MessageRole.Assistant, seq % 2 == 0 ? Question : Answer), [seq % 2 == 0 ? Question : Answer]));
        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        }

        var head = new TableEntity(Org.Value, ConversationKeys.Head(conversationId)) { [ConversationColumns.MessageCount] = (long)messages };
        await table.UpdateEntityAsync(head, ETag.All, TableUpdateMode.Merge);
    }

    private static async Task VerifyAsync(TableConversationStore store)
    {
        var large = await store.ListAsync(Org, 100, null, default);
        if (!large.Conversations.Any(c => c.ConversationId == "large" && c.MessageCount > LargeMessages))
        {
            throw new InvalidOperationException("The large conversation did not grow as expected.");
        }
    }

    internal static ConversationMessage Message(MessageRole role, string content) => new(role, content, DateTimeOffset.UtcNow);
}
