using System.Diagnostics;
using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// The embedded knowledge backend on Azurite: ingestion throughput (chunks/s through
/// KnowledgeService with a zero-latency embedding generator) and search latency at 1k, 10k and 50k
/// chunks in one org, each next to an exact in-memory scan of the same vectors; and a small org's
/// latency before and after a neighbouring org grows to 50k chunks.
/// Usage: ... -- knowledge [dimensions=384] [maxChunks=50000]
/// </summary>
internal static class KnowledgeBenchmark
{
    private const int ChunksPerDocument = 100;
    private const int Searches = 7;

    public static async Task RunAsync(string[] args)
    {
        var dimensions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 384;
        var maxChunks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var sizes = new[] { 1_000, 10_000, 50_000 }.Where(s => s <= maxChunks).ToArray();

        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var store = new TableKnowledgeStore(new TableProvider(new TableServiceClient(azurite.ConnectionString)));
            var generator = new ZeroLatencyGenerator(dimensions);
            var options = new KnowledgeOptions { ChunkSize = 1000, ChunkOverlap = 0, EmbeddingBatchSize = 100 };
            var service = new KnowledgeService(store, generator, new UnmeteredUsage(), Options.Create(options), NullLogger<KnowledgeService>.Instance);
            var document = DocumentText(options.ChunkSize);
            var query = generator.Next();

            Console.WriteLine($"knowledge (embedded Table backend on Azurite), {dimensions} dimensions, {ChunksPerDocument} chunks per document, median of {Searches} searches");

            var small = OrgId.Parse("bench-small");
            await FillAsync(service, small, 0, 1_000, document);
            await MedianSearchAsync(store, small, query); // warm-up: JIT, connections
            var smallAlone = await MedianSearchAsync(store, small, query);

            var big = OrgId.Parse("bench-big");
            var stored = 0;
            var ingestTime = TimeSpan.Zero;
            Console.WriteLine("| chunks in org | embedded search (ms) | in-memory scan (ms) | ratio |");
            Console.WriteLine("| ---: | ---: | ---: | ---: |");
            foreach (var size in sizes)
            {
                var watch = Stopwatch.StartNew();
                await FillAsync(service, big, stored, size, document);
                ingestTime += watch.Elapsed;
                stored = size;

                var embedded = await MedianSearchAsync(store, big, query);
                var memory = MedianInMemoryScan(generator.Vectors(0, size), query, 5);
                Console.WriteLine($"| {size:N0} | {embedded:F1} | {memory:F2} | {embedded / memory:F0}x |");
            }

            var smallWithNeighbour = await MedianSearchAsync(store, small, query);
            Console.WriteLine($"ingestion: {stored / ingestTime.TotalSeconds:F0} chunks/s ({stored:N0} chunks in {ingestTime.TotalSeconds:F1} s; zero-latency embeddings)");
            Console.WriteLine($"org with 1,000 chunks: {smallAlone:F1} ms alone, {smallWithNeighbour:F1} ms next to an org with {stored:N0} chunks (ratio {smallWithNeighbour / smallAlone:F2})");
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

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
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
            foreach (var _ in values)
            {
                var vector = Next();
                _issued.Add(vector);
                result.Add(new Embedding<float>(vector));
            }

            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
