using System.Diagnostics;
using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Hosting;
using AgentFunctions.Knowledge;
using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Usage;
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
/// <item>ingestion chunks/s of files: the same text uploaded as plain text and as a PDF (PdfPig-written, one page per
/// ~2,000 characters), documents interleaved, and the PDF's text extraction alone;</item>
/// <item>a small org's warm latency alone and next to the big org;</item>
/// <item>an agent turn (the app's own registrations, zero-latency chat and embedding model; each org continues one
/// conversation) for an org with 20,000 chunks against an org with none, variants interleaved, with where its time goes
/// (<see cref="TurnPhases"/>: history load, knowledge search, query embedding, the search after the embedding returned, metering, append, timed as they run) and
/// the cached index's own search of 20,000 chunks with the turn's query (hybrid, vector only, lexical only).</item>
/// </list>
/// Usage: ... -- knowledge [dimensions=384] [maxChunks=50000] [turns=200] [chatMs=0] [embeddingMs=0] (the model latency of the agent turns)
/// </summary>
internal static class KnowledgeBenchmark
{
    private const int ChunksPerDocument = 100;
    private const int Searches = 21;
    private const int ColdSearches = 3;
    private const int AgentChunks = 20_000;
    private const string Query = "Where does the fox jump?";

    public static async Task RunAsync(string[] args)
    {
        var dimensions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 384;
        var maxChunks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var turns = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var chatMs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
        var embeddingMs = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;
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

            await FileIngestionAsync(service);

            var smallWithNeighbour = await MedianSearchAsync(store, small, query);
            Console.WriteLine($"ingestion: {stored / ingestTime.TotalSeconds:F0} chunks/s ({stored:N0} chunks in {ingestTime.TotalSeconds:F1} s; zero-latency embeddings)");
            Console.WriteLine($"org with 1,000 chunks, warm: {smallAlone:F2} ms alone, {smallWithNeighbour:F2} ms next to an org with {stored:N0} chunks (ratio {smallWithNeighbour / smallAlone:F2})");

            await AgentTurnAsync(azurite.ConnectionString, dimensions, turns, document, TimeSpan.FromMilliseconds(chatMs), TimeSpan.FromMilliseconds(embeddingMs));
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    /// <summary>The same pages of text ingested as a text file and as a PDF into two orgs, documents interleaved.</summary>
    private static async Task FileIngestionAsync(KnowledgeService service)
    {
        const int Documents = 10;
        const int Pages = 25;
        var line = "The quick brown fox jumps over the lazy dog again.";
        var pages = Enumerable.Range(0, Pages).Select(p => string.Join('\n', Enumerable.Range(0, 40).Select(l => $"{line} Page {p + 1} line {l + 1}."))).ToArray();
        var text = System.Text.Encoding.UTF8.GetBytes(string.Join("\n\n", pages));
        var pdf = TestDocuments.Pdf("Benchmark PDF", pages);
        var (textOrg, pdfOrg) = (OrgId.Parse("bench-text-files"), OrgId.Parse("bench-pdf-files"));
        var (textTime, pdfTime, extractTime) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var (textChunks, pdfChunks) = (0, 0);
        for (var d = -1; d < Documents; d++)
        {
            // d = -1 warms up (JIT, PdfPig's font tables) and is not counted.
            var watch = Stopwatch.StartNew();
            var t = await service.PutFileAsync(textOrg, $"doc-{d + 1}", new DocumentUpload(FileFormat.Text, text, "doc.txt", "Benchmark text", null), default);
            var textElapsed = watch.Elapsed;
            watch.Restart();
            var p = await service.PutFileAsync(pdfOrg, $"doc-{d + 1}", new DocumentUpload(FileFormat.Pdf, pdf, "doc.pdf", null, null), default);
            var pdfElapsed = watch.Elapsed;
            watch.Restart();
            DocumentExtractor.Extract(FileFormat.Pdf, pdf);
            var extractElapsed = watch.Elapsed;
            if (d >= 0)
            {
                (textTime, pdfTime, extractTime) = (textTime + textElapsed, pdfTime + pdfElapsed, extractTime + extractElapsed);
                (textChunks, pdfChunks) = (textChunks + t.Chunks, pdfChunks + p.Chunks);
            }
        }

        var textRate = textChunks / textTime.TotalSeconds;
        var pdfRate = pdfChunks / pdfTime.TotalSeconds;
        Console.WriteLine($"file ingestion ({Documents} documents each, {Pages} pages / {text.Length:N0} bytes of text, PDF {pdf.Length:N0} bytes; zero-latency embeddings):");
        Console.WriteLine($"  text: {textRate:F0} chunks/s ({textChunks:N0} chunks in {textTime.TotalSeconds:F1} s)");
        Console.WriteLine($"  PDF:  {pdfRate:F0} chunks/s ({pdfChunks:N0} chunks in {pdfTime.TotalSeconds:F1} s; text extraction alone {extractTime.TotalMilliseconds / Documents:F0} ms per document); PDF / text = {pdfRate / textRate:F2}");
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
    private static async Task AgentTurnAsync(string storage, int dimensions, int turns, string document, TimeSpan chatLatency, TimeSpan embeddingLatency)
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
        // What a host provides (the MCP endpoint's handlers need it), here without one.
        services.TryAddSingleton<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(new Microsoft.Extensions.Hosting.Internal.ApplicationLifetime(NullLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>.Instance));
        var phases = new TurnPhases();
        var model = new ZeroLatencyModel(new ZeroLatencyGenerator(dimensions), phases);
        services.Replace(ServiceDescriptor.Singleton<IModelClients>(model));
        services.Replace(ServiceDescriptor.Singleton<IConversationStore>(sp => new TurnPhases.Conversations(sp.GetRequiredService<TableConversationStore>(), phases)));
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeStore>(sp => new TurnPhases.Knowledge(sp.GetRequiredService<TableKnowledgeStore>(), phases)));
        services.AddSingleton<TokenQuotaMeter>();
        services.Replace(ServiceDescriptor.Singleton<IUsageMeter>(sp => new TurnPhases.Meter(sp.GetRequiredService<TokenQuotaMeter>(), phases)));
        await using var app = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var agent = app.GetRequiredService<IAgent>();
        var heldWrites = app.GetServices<IDeferredWrites>().ToList();
        var withKnowledge = OrgId.Parse("bench-agent-20k");
        var without = OrgId.Parse("bench-agent-none");
        await FillAsync(app.GetRequiredService<KnowledgeService>(), withKnowledge, 0, AgentChunks, document);
        (model.ChatLatency, model.EmbeddingLatency) = (chatLatency, embeddingLatency); // the turns' model calls only, not the fill

        var samples = new[] { new List<double>(), new List<double>() };
        var breakdown = new[] { new List<double[]>(), new List<double[]>() };
        var orgs = new[] { without, withKnowledge };
        var conversations = new string?[2];
        var warmup = Math.Max(10, turns / 10);
        for (var round = 0; round < warmup + turns; round++)
        {
            for (var k = 0; k < 2; k++)
            {
                var v = (round + k) % 2;
                // As in a Functions invocation: usage held while the turn runs, written after the answer (OrgContextMiddleware).
                var held = heldWrites.Select(w => w.Defer(orgs[v])).ToList();
                phases.Start();
                var watch = Stopwatch.StartNew();
                var result = await agent.RunAsync(orgs[v], new AgentRunRequest(Query, conversations[v]), null, default);
                conversations[v] = result.ConversationId;
                var elapsed = watch.Elapsed.TotalMilliseconds;
                phases.Stop();
                held.ForEach(h => h.Dispose());
                await Task.WhenAll(heldWrites.Select(w => w.FlushAsync(orgs[v], default)));
                if ((v == 1) != (result.Citations.Count > 0))
                {
                    throw new InvalidOperationException("Retrieval did not behave as expected (citations only for the org with knowledge).");
                }

                if (round >= warmup)
                {
                    samples[v].Add(elapsed);
                    breakdown[v].Add(phases.Turns[^1]);
                }
            }
        }

        Console.WriteLine($"agent turn (one continued conversation per org, automatic retrieval, model latency: chat {chatLatency.TotalMilliseconds} ms, embedding {embeddingLatency.TotalMilliseconds} ms), {turns} turns each after {warmup} warm-up, interleaved:");
        Console.WriteLine($"| org | median ms | mean ms | p90 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| no knowledge | {Median(samples[0]):F2} | {samples[0].Average():F2} | {Percentile(samples[0], 0.9):F2} |");
        Console.WriteLine($"| {AgentChunks:N0} chunks | {Median(samples[1]):F2} | {samples[1].Average():F2} | {Percentile(samples[1], 0.9):F2} |");
        Console.WriteLine($"ratio {AgentChunks:N0} chunks / none: {Median(samples[1]) / Median(samples[0]):F2} (median), {samples[1].Average() / samples[0].Average():F2} (mean)");
        Console.WriteLine("phases of the turn (median ms; phases may overlap):");
        Console.WriteLine("| phase | no knowledge | " + $"{AgentChunks:N0} chunks |");
        Console.WriteLine("| --- | ---: | ---: |");
        for (var p = 0; p < TurnPhases.Names.Length; p++)
        {
            Console.WriteLine($"| {TurnPhases.Names[p]} | {Median([.. breakdown[0].Select(t => t[p])]):F2} | {Median([.. breakdown[1].Select(t => t[p])]):F2} |");
        }

        var generator = new ZeroLatencyGenerator(dimensions);
        var vectors = Enumerable.Range(0, AgentChunks).Select(_ => generator.Next()).ToList();
        var index = Build(vectors, document[..1000]);
        var vector = generator.Next();
        foreach (var (name, text, query) in new[] { ("hybrid", Query, vector), ("vector only (no term matches)", "q", vector), ("lexical only", Query, Array.Empty<float>()) })
        {
            var times = new List<double>();
            for (var i = 0; i <= Searches; i++)
            {
                var watch = Stopwatch.StartNew();
                index.Search(text, query, 4);
                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            Console.WriteLine($"cached index of {AgentChunks:N0} chunks, the turn's query, {name}: {Median(times):F2} ms median");
        }
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

    /// <summary>
    /// Answers chat and embeds with <see cref="ZeroLatencyGenerator"/>, at once or after a fixed latency per call (a hosted
    /// model's round trip), set once the knowledge is filled.
    /// </summary>
    private sealed class ZeroLatencyModel(ZeroLatencyGenerator embeddings, TurnPhases phases) : IModelClients, IChatClient
    {
        private readonly LatentEmbeddings _embeddings = new(embeddings);

        public TimeSpan ChatLatency { get; set; }

        public TimeSpan EmbeddingLatency
        {
            get => _embeddings.Latency;
            set => _embeddings.Latency = value;
        }

        public IChatClient GetChatClient(string? model = null) => this;

        public Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken) => Task.FromResult<IChatClient>(this);

        public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator() => _embeddings;

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            phases.ModelCalled();
            if (ChatLatency > TimeSpan.Zero)
            {
                await Task.Delay(ChatLatency, cancellationToken);
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "It jumps over the lazy dog."))
            {
                Usage = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 10 },
            };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>The generator's vectors after a fixed latency per call.</summary>
    private sealed class LatentEmbeddings(ZeroLatencyGenerator inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public TimeSpan Latency { get; set; }

        public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, cancellationToken);
            }

            return await base.GenerateAsync(values, options, cancellationToken);
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
