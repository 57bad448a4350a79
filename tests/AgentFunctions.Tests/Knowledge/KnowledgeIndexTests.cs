using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Knowledge;

public sealed class KnowledgeIndexTests
{
    private static float[] RandomUnit(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return VectorMath.Normalize(vector);
    }

    [Theory]
    [InlineData(500, 16)] // one thread
    [InlineData(5_000, 1024)] // the scan split over the cores
    public void Search_RandomVectorsNoTextMatch_EqualsTheExactScanInOrderAndScore(int count, int dimensions)
    {
        var random = new Random(7);
        var vectors = Enumerable.Range(0, count).Select(_ => RandomUnit(random, dimensions)).ToList();
        var chunks = Enumerable.Range(0, count).Select(i => new IndexedChunk("doc", i, "T", $"text {i}")).ToList();
        var index = KnowledgeIndex.Build("v1", chunks, [.. vectors.Select(v => (ReadOnlyMemory<float>)v)]);
        var query = RandomUnit(random, dimensions);

        var hits = index.Search("nomatch", query, 10);

        // Exact: every dot product in double precision, sorted; no text match, so fusion keeps the vector order.
        var exact = vectors.Select((v, i) => (Index: i, Score: v.Zip(query, (a, b) => (double)a * b).Sum())).OrderByDescending(x => x.Score).Take(10).ToList();
        Assert.Equal(exact.Select(x => x.Index), hits.Select(h => h.Chunk));
    }

    [Fact]
    public void Search_NoQueryVector_Bm25OrderAndOnlyMatchingChunks()
    {
        string[] texts = ["cats and dogs", "dogs dogs dogs everywhere", "a bird", "the dogs of war and the cats of peace"];
        var index = KnowledgeIndex.Build("v1", [.. texts.Select((t, i) => new IndexedChunk("doc", i, "Animals", t))], [.. texts.Select(_ => ReadOnlyMemory<float>.Empty)]);

        var hits = index.Search("Dogs!", ReadOnlyMemory<float>.Empty, 10);

        Assert.Equal([1, 0, 3], hits.Select(h => h.Chunk));
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score > p.Second.Score));
    }

    [Fact]
    public void Search_ChunkWithoutVectorOrOfOtherLength_FoundByTextOnly()
    {
        var index = KnowledgeIndex.Build("v1",
            [new IndexedChunk("a", 0, "T", "red apple"), new IndexedChunk("b", 0, "T", "green apple"), new IndexedChunk("c", 0, "T", "blue sky")],
            [ReadOnlyMemory<float>.Empty, new float[] { 1, 0, 0 }, new float[] { 1, 0 }]);

        var hits = index.Search("apple", new float[] { 1, 0 }, 10);

        Assert.Equal(["a", "b", "c"], hits.Select(h => h.DocumentId).Order());
        Assert.Equal("c", Assert.Single(index.Search("nothing", new float[] { 1, 0 }, 10)).DocumentId);
    }

    [Fact]
    public async Task KnowledgeCache_OverBudget_EvictsLeastRecentlyUsedAndReloadsOnNewVersion()
    {
        var cache = new KnowledgeCache<KnowledgeIndex>(Options.Create(new KnowledgeOptions { CacheMegabytes = 1 }));
        var loads = new List<string>();
        Task<KnowledgeIndex> Load(string org, string version, int chunks)
        {
            loads.Add($"{org}@{version}");
            var texts = Enumerable.Range(0, chunks).Select(i => new IndexedChunk("d", i, "T", new string('x', 1000))).ToList();
            return Task.FromResult(KnowledgeIndex.Build(version, texts, [.. texts.Select(_ => ReadOnlyMemory<float>.Empty)]));
        }

        var a = OrgId.Parse("org-a");
        var b = OrgId.Parse("org-b");
        await cache.GetAsync(a, "1", _ => Load("a", "1", 200), default); // ~0.4 MB
        await cache.GetAsync(b, "1", _ => Load("b", "1", 200), default);
        await cache.GetAsync(a, "1", _ => Load("a", "1", 200), default); // hit; b is now the least recent
        await cache.GetAsync(a, "2", _ => Load("a", "2", 400), default); // a changed: reloaded (~0.8 MB), and b no longer fits
        await cache.GetAsync(b, "1", _ => Load("b", "1", 200), default);

        Assert.Equal(["a@1", "b@1", "a@2", "b@1"], loads);
        Assert.InRange(cache.Bytes, 1, 1024 * 1024);
    }
}
