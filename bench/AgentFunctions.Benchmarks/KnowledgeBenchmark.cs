using System.Diagnostics;
using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Hosting;
using AgentFunctions.Knowledge;
using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// The embedded knowledge backend on Azurite, side by side in one run:
/// <list type="bullet">
/// <item>search latency at 1k, 10k and 50k chunks in one org: <c>cold</c> (a new store instance, so the first search
/// loads the org's index from the partition), <c>warm</c> (the version point read + the cached index), the cached
/// index alone (no I/O), next to an exact in-memory scan of the same vectors (single-threaded, a top-k heap);</item>
/// <item>memory held per 10,000 cached chunks (the managed heap one index of the org's vectors and ~1,000-character
/// chunk texts holds, measured around building it);</item>
/// <item>ingestion chunks/s through <see cref="KnowledgeService"/> with a zero-latency embedding generator;</item>
/// <item>a small org's warm latency alone and next to the big org;</item>
/// <item>an agent turn (the app's own registrations, zero-latency chat and embedding model; each org continues one
/// conversation) for an org with 20,000 chunks against an org with none, variants interleaved.</item>
/// </list>
/// Usage: ... -- knowledge [dimensions=384] [maxChunks=50000] [turns=200]
/// </summary>
internal static class KnowledgeBenchmark
{
    private const int ChunksPerDocument = 100;
    private const int Searches = 21;
    private const int ColdSearches = 3;
    private const int AgentChunks = 20_000;

    public static async Task RunAsync(string[] args)
    {
        var dimensions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 384;
        var maxChunks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var turns = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var sizes = new[] { 1_000, 10_000, 50_000 }.Where(s => s <= maxChunks).ToArray();

        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var tables = new TableProvider(new TableServiceClient(azurite.ConnectionString));
            var generator = new ZeroLatencyGenerator(dimensions);
            var options = Options.Create(new KnowledgeOptions { ChunkSize = 1000, ChunkOverlap = 0, EmbeddingBatchSize = 100, MaxChunksPerOrg = 1_000_000 });
            TableKnowledgeStore NewStore() => new(tables, new KnowledgeCache<KnowledgeIndex>(options), options, NullLogger<TableKnowledgeStore>.Instance);
            var store = NewStore();
            var service = new KnowledgeService(store, generator, new EmbeddingModel(), new UnmeteredUsage(), options, NullLogger<KnowledgeService>.Instance);
            var document = DocumentText(options.Value.ChunkSize);
            var query = generator.Next();

            Console.WriteLine($"knowledge (embedded Table backend on Azurite), {dimensions} dimensions, {ChunksPerDocument} chunks per document, top 5, median of {Searches} warm / {ColdSearches} cold searches");

            var small = OrgId.Parse("bench-small");
            await FillAsync(service, small, 0, 1_000, document);
            await MedianSearchAsync(store, small, query); // warm-up: JIT, connections
            var smallAlone = await MedianSearchAsync(store, small, query);

            var big = OrgId.Parse("bench-big");
            var stored = 0;
            var ingestTime = TimeSpan.Zero;
            var rows = new List<string>();
            foreach (var size in sizes)
            {
                var watch = Stopwatch.StartNew();
                await FillAsync(service, big, stored, size, document);
                ingestTime += watch.Elapsed;
                stored = size;

                var cold = await ColdSearchAsync(NewStore, big, query);
                var warm = await MedianSearchAsync(store, big, query);
                var vectors = generator.Vectors(0, size);
                var (indexOnly, bytesPer10k) = MedianIndexSearch(vectors, query, document[..options.Value.ChunkSize]);
                var memory = MedianInMemoryScan(vectors, query, 5);
                rows.Add($"| {dimensions} | {size:N0} | {cold:F0} | {warm:F2} | {indexOnly:F2} | {memory:F2} | {warm / memory:F2} | {bytesPer10k / 1024 / 1024:F0} MB |");
            }

            Console.WriteLine("| dimensions | chunks in org | cold search (ms) | warm search (ms) | cached index alone (ms) | in-memory scan (ms) | warm / in-memory | memory per 10k chunks |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            rows.ForEach(Console.WriteLine);

            var smallWithNeighbour = await MedianSearchAsync(store, small, query);
            Console.WriteLine($"ingestion: {stored / ingestTime.TotalSeconds:F0} chunks/s ({stored:N0} chunks in {ingestTime.TotalSeconds:F1} s; zero-latency embeddings)");
            Console.WriteLine($"org with 1,000 chunks, warm: {smallAlone:F2} ms alone, {smallWithNeighbour:F2} ms next to an org with {stored:N0} chunks (ratio {smallWithNeighbour / smallAlone:F2})");

            await AgentTurnAsync(azurite.ConnectionString, dimensions, turns, document);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static string DocumentText(int chunkSize)
    {
        // Sentences of ~50 characters: ChunksPerDocument chunks of just under chunkSize each.
        var sentence = "The quick brown fox jumps over the lazy dog again. ";
        var perChunk = chunkSize / sentence.Length;
        return string.Concat(Enumerable.Repeat(sentence, (perChunk * ChunksPerDocument) - 1));
    }

    private static async Task FillAsync(KnowledgeService service, OrgId org, int from, int to, string document)
    {
        for (var n = from; n < to; n += ChunksPerDocument)
        {
            var result = await service.PutDocumentAsync(org, $"doc-{n / ChunksPerDocument:D6}", new PutDocumentRequest("Benchmark document", document, null), default);
            if (result.Chunks != ChunksPerDocument)
            {
                throw new InvalidOperationException($"Expected {ChunksPerDocument} chunks per document, got {result.Chunks}.");
            }
        }
    }

    /// <summary>First searches of fresh store instances: each loads the org's index from storage.</summary>
    private static async Task<double> ColdSearchAsync(Func<TableKnowledgeStore> newStore, OrgId org, float[] query)
    {
        var times = new List<double>();
        for (var i = 0; i < ColdSearches; i++)
        {
            var store = newStore();
            var watch = Stopwatch.StartNew();
            var hits = await store.SearchAsync(org, "q", query, 5, default);
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (hits.Count != 5)
            {
                throw new InvalidOperationException("The search returned fewer than 5 hits.");
            }
        }

        return Median(times);
    }

    private static async Task<double> MedianSearchAsync(TableKnowledgeStore store, OrgId org, float[] query)
    {
        await store.SearchAsync(org, "q", query, 5, default);
        var times = new List<double>();
        for (var i = 0; i < Searches; i++)
        {
            var watch = Stopwatch.StartNew();
            var hits = await store.SearchAsync(org, "q", query, 5, default);
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (hits.Count != 5)
            {
                throw new InvalidOperationException("The search returned fewer than 5 hits.");
            }
        }

        return Median(times);
    }

    /// <summary>
    /// The cached index's own search (hybrid: BM25 for the text and the vector scan, fused), without the version read;
    /// and the managed heap it holds (measured around building one index of these vectors and chunk texts like the stored ones).
    /// </summary>
    private static (double Median, double BytesPer10k) MedianIndexSearch(List<float[]> vectors, float[] query, string chunkText)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var index = Build(vectors, chunkText); // what it allocated and no longer needs is garbage by the next line
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        var times = new List<double>();
        for (var i = 0; i <= Searches; i++)
        {
            var watch = Stopwatch.StartNew();
            index.Search("q", query, 5);
            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        GC.KeepAlive(index);
        return (Median(times), held * 10_000.0 / vectors.Count);
    }

    /// <summary>An index as a load builds it: fresh chunk texts and vector copies (the stored rows' bytes).</summary>
    private static KnowledgeIndex Build(List<float[]> vectors, string chunkText) => KnowledgeIndex.Build(
        "v",
        [.. vectors.Select((_, i) => new IndexedChunk($"doc-{i / ChunksPerDocument:D6}", i % ChunksPerDocument, "Benchmark document", new string(chunkText)))],
        [.. vectors.Select(v => (ReadOnlyMemory<float>)v.ToArray())]);

    /// <summary>The baseline: exact cosine over the same vectors held in memory, with the same top-k heap.</summary>
    private static double MedianInMemoryScan(List<float[]> vectors, float[] query, int top)
    {
        var normalized = VectorMath.Normalize(query);
        var times = new List<double>();
        for (var i = 0; i <= Searches; i++)
        {
            var watch = Stopwatch.StartNew();
            var best = new PriorityQueue<int, float>(top + 1);
            for (var v = 0; v < vectors.Count; v++)
            {
                var score = VectorMath.Dot(normalized, vectors[v]);
                if (best.Count < top)
                {
                    best.Enqueue(v, score);
                }
                else if (best.TryPeek(out _, out var weakest) && score > weakest)
                {
                    best.DequeueEnqueue(v, score);
                }
            }

            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return Median(times);
    }

    /// <summary>
    /// One agent turn (continuing a conversation, automatic retrieval on) for an org with <see cref="AgentChunks"/> chunks and for
    /// an org with none, interleaved, through the app's registrations with zero-latency models.
    /// </summary>
    private static async Task AgentTurnAsync(string storage, int dimensions, int turns, string document)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["OpenAI:Endpoint"] = "http://127.0.0.1:9/v1/",
            ["OpenAI:ChatModel"] = "zero-latency",
            ["OpenAI:EmbeddingModel"] = "zero-latency",
            ["Knowledge:ChunkSize"] = "1000",
            ["Knowledge:ChunkOverlap"] = "0",
            ["Knowledge:EmbeddingBatchSize"] = "100",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddAgentFunctions(configuration);
        services.Replace(ServiceDescriptor.Singleton<IModelClients>(new ZeroLatencyModel(new ZeroLatencyGenerator(dimensions))));
        await using var app = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var agent = app.GetRequiredService<IAgent>();
        var withKnowledge = OrgId.Parse("bench-agent-20k");
        var without = OrgId.Parse("bench-agent-none");
        await FillAsync(app.GetRequiredService<KnowledgeService>(), withKnowledge, 0, AgentChunks, document);

        var samples = new[] { new List<double>(), new List<double>() };
        var orgs = new[] { without, withKnowledge };
        var conversations = new string?[2];
        var warmup = Math.Max(10, turns / 10);
        for (var round = 0; round < warmup + turns; round++)
        {
            for (var k = 0; k < 2; k++)
            {
                var v = (round + k) % 2;
                var watch = Stopwatch.StartNew();
                var result = await agent.RunAsync(orgs[v], new AgentRunRequest("Where does the fox jump?", conversations[v]), null, default);
                conversations[v] = result.ConversationId;
                var elapsed = watch.Elapsed.TotalMilliseconds;
                if ((v == 1) != (result.Citations.Count > 0))
                {
                    throw new InvalidOperationException("Retrieval did not behave as expected (citations only for the org with knowledge).");
                }

                if (round >= warmup)
                {
                    samples[v].Add(elapsed);
                }
            }
        }

        Console.WriteLine($"agent turn (one continued conversation per org, automatic retrieval, zero-latency models), {turns} turns each after {warmup} warm-up, interleaved:");
        Console.WriteLine($"| org | median ms | mean ms | p90 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| no knowledge | {Median(samples[0]):F2} | {samples[0].Average():F2} | {Percentile(samples[0], 0.9):F2} |");
        Console.WriteLine($"| {AgentChunks:N0} chunks | {Median(samples[1]):F2} | {samples[1].Average():F2} | {Percentile(samples[1], 0.9):F2} |");
        Console.WriteLine($"ratio {AgentChunks:N0} chunks / none: {Median(samples[1]) / Median(samples[0]):F2} (median), {samples[1].Average() / samples[0].Average():F2} (mean)");
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    private sealed class EmbeddingModel : IModelAvailability
    {
        public bool HasEmbeddingModel => true;
    }

    /// <summary>Answers chat at once and embeds with <see cref="ZeroLatencyGenerator"/>.</summary>
    private sealed class ZeroLatencyModel(ZeroLatencyGenerator embeddings) : IModelClients, IChatClient
    {
        public IChatClient GetChatClient(string? model = null) => this;

        public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken) => Task.FromResult<IChatClient>(this);

        public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => embeddings;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "It jumps over the lazy dog."))
            {
                Usage = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 10 },
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>Returns pre-made random unit vectors instantly, so ingestion measures chunking and storage only.</summary>
    private sealed class ZeroLatencyGenerator(int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly Random _random = new(42);
        private readonly List<float[]> _issued = [];

        public float[] Next()
        {
            var vector = new float[dimensions];
            for (var i = 0; i < dimensions; i++)
            {
                vector[i] = (float)((_random.NextDouble() * 2) - 1);
            }

            return VectorMath.Normalize(vector);
        }

        /// <summary>The vectors issued to the big org's chunks, in order (the small org's 1,000 came first).</summary>
        public List<float[]> Vectors(int from, int count) => _issued.Skip(1_000 + from).Take(count).ToList();

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            lock (_issued)
            {
                foreach (var _ in values)
                {
                    var vector = Next();
                    _issued.Add(vector);
                    result.Add(new Embedding<float>(vector));
                }
            }

            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
