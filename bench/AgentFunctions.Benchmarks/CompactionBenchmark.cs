using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// A turn of an agent with <c>"compaction": true</c> vs the same agent without, on conversations whose window
/// (<see cref="TurnBenchmark.Window"/> messages) is full, so every compacting turn folds the two messages it pushes out:
/// the real <see cref="IAgent"/> over Azurite with a zero-latency model that answers runs and summaries at once and
/// counts them apart (the summary call's model time is zero here; its count is printed separately). Variants run
/// interleaved after a warm-up. Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- compaction [rounds]
/// </summary>
internal static class CompactionBenchmark
{
    private const int Conversations = 40;

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
        var warmup = Math.Max(20, rounds / 10);
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var model = new CountingModel();
            await using var app = TurnBenchmark.AgentServices(azurite.ConnectionString, services =>
            {
                services.Replace(ServiceDescriptor.Singleton<IModelClients>(model));
                services.Replace(ServiceDescriptor.Singleton<IAgentDefinitionSource>(new TwoAgents()));
            });
            var agent = app.GetRequiredService<IAgent>();
            var store = app.GetRequiredService<IConversationStore>();
            foreach (var name in new[] { "plain", "compact" })
            {
                for (var i = 0; i < Conversations; i++)
                {
                    for (var turn = 0; turn <= TurnBenchmark.Window / 2; turn++)
                    {
                        await store.AppendTurnAsync(TurnBenchmark.Org, $"{name}-{i}", new ConversationTurn(
                            null, new(MessageRole.User, TurnBenchmark.Question, DateTimeOffset.UtcNow), new(MessageRole.Assistant, TurnBenchmark.Answer, DateTimeOffset.UtcNow)) { Agent = name }, default);
                    }
                }
            }

            var variants = new (string Name, Func<int, Task> Turn)[]
            {
                ("compaction off", i => TurnAsync(agent, "plain", i)),
                ("compaction on", i => TurnAsync(agent, "compact", i)),
            };
            var measured = new SideBySide(variants);
            await measured.MeasureAsync(rounds, warmup);
            Console.WriteLine($"one run with a full window of {TurnBenchmark.Window} messages, zero-latency model; {rounds} rounds after {warmup} warm-up, variants interleaved");
            measured.PrintTable(20);
            measured.PrintRatio("compaction on / off", 1, 0);
            Console.WriteLine($"model calls: {model.Runs} runs, {model.Summaries} summary calls (one per compacting turn)");
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task TurnAsync(IAgent agent, string name, int round)
    {
        var result = await agent.RunAsync(TurnBenchmark.Org, new AgentRunRequest(TurnBenchmark.Question, $"{name}-{round % Conversations}") { Agent = name }, turnId: null, default);
        if (result.Output != TurnBenchmark.Answer)
        {
            throw new InvalidOperationException("The run did not complete as expected.");
        }
    }

    /// <summary><c>plain</c> and <c>compact</c>: the same agent, compaction off and on.</summary>
    private sealed class TwoAgents : IAgentDefinitionSource
    {
        public Task<StoredAgentDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
            Task.FromResult(new StoredAgentDefinition(new AgentDefinition(name, Compaction: name == "compact"), "\"1\"", null));
    }

    /// <summary>Answers at once; a request whose last message is the reducer's system prompt is a summary call.</summary>
    private sealed class CountingModel : IModelClients, IChatClient
    {
        public int Runs { get; private set; }

        public int Summaries { get; private set; }

        public IChatClient GetChatClient(string? model = null) => this;

        public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken) => Task.FromResult<IChatClient>(this);

        public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => throw new NotSupportedException();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var summary = messages.Last().Role == ChatRole.System;
            if (summary)
            {
                Summaries++;
            }
            else
            {
                Runs++;
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, summary ? "The user asked and was answered." : TurnBenchmark.Answer))
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
}
