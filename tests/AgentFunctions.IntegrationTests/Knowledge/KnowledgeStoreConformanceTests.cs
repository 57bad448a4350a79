using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// The behaviour every <see cref="IKnowledgeStore"/> backend must have. Each test works in fresh
/// random orgs, so tests sharing one backend fixture do not see each other's data.
/// </summary>
public abstract class KnowledgeStoreConformanceTests
{
    protected const int Dimensions = 8;

    private protected abstract IKnowledgeStore Store { get; }

    /// <summary>Another instance of the backend over the same storage, with its own per-instance cache (another app instance).</summary>
    private protected abstract IKnowledgeStore NewInstance(int maxChunksPerOrg = 50_000);

    /// <summary>Chunks the backend holds for the org in storage, whether any search would return them or not.</summary>
    private protected abstract Task<int> StoredChunkCountAsync(OrgId orgId);

    private protected static OrgId NewOrg() => OrgId.Parse($"org-{Guid.NewGuid():N}"[..20]);

    /// <summary>A unit vector at <paramref name="angle"/> radians from <see cref="Axis"/> in the first plane.</summary>
    protected static float[] AtAngle(double angle)
    {
        var vector = new float[Dimensions];
        vector[0] = (float)Math.Cos(angle);
        vector[1] = (float)Math.Sin(angle);
        return vector;
    }

    protected static float[] Axis => AtAngle(0);

    private static float[] Other(int slot)
    {
        var vector = new float[Dimensions];
        vector[2 + (slot % (Dimensions - 2))] = 1;
        return vector;
    }

    private static List<KnowledgeChunk> Chunks(string prefix, int count, Func<int, float[]>? vector = null) =>
        Enumerable.Range(0, count).Select(i => new KnowledgeChunk(i, $"{prefix} chunk {i}", vector?.Invoke(i) ?? AtAngle(0.1 * (i + 1)))).ToList();

    private Task PutAsync(OrgId org, string documentId, IReadOnlyList<KnowledgeChunk> chunks, string title = "Title") =>
        Store.ReplaceDocumentAsync(org, new KnowledgeDocument(documentId, title, null), chunks, default);

    private Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId org, float[]? vector = null, int top = 50, string text = "chunk") =>
        Store.SearchAsync(org, text, vector ?? Axis, top, default);

    [Fact]
    public async Task ReplaceDocumentAsync_NewDocument_ChunksAreSearchable()
    {
        var org = NewOrg();

        await PutAsync(org, "doc", Chunks("v1", 3), "The title");

        var hits = await SearchAsync(org);
        Assert.Equal(["v1 chunk 0", "v1 chunk 1", "v1 chunk 2"], hits.Select(h => h.Content).Order());
        Assert.All(hits, h => Assert.Equal(("doc", "The title"), (h.DocumentId, h.Title)));
        Assert.Equal([0, 1, 2], hits.Select(h => h.Chunk).Order());
    }

    [Fact]
    public async Task ExportAsync_ReplacedDocumentsInTwoOrgsSameIds_OnlyThisOrgsCurrentChunksInOrder()
    {
        var (org, other) = (NewOrg(), NewOrg());
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "Mine", """{"owner":"me"}"""), Chunks("old", 4), default);
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "Mine", """{"owner":"me"}"""), Chunks("mine", 3), default);
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("second", "Second", null), Chunks("second", 1), default);
        await Store.ReplaceDocumentAsync(other, new KnowledgeDocument("doc", "Theirs", null), Chunks("theirs", 2), default);

        var exported = await Store.ExportAsync(org, default).ToListAsync();

        Assert.Equal(["doc", "second"], exported.Select(d => d.DocumentId).Order(StringComparer.Ordinal));
        var doc = exported.Single(d => d.DocumentId == "doc");
        Assert.Equal(("Mine", """{"owner":"me"}"""), (doc.Title, doc.Metadata));
        Assert.Equal(["mine chunk 0", "mine chunk 1", "mine chunk 2"], doc.Chunks);
        Assert.Equal(["second chunk 0"], exported.Single(d => d.DocumentId == "second").Chunks);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_ShorterNewVersion_RemovesStaleChunks()
    {
        var org = NewOrg();
        await PutAsync(org, "doc", Chunks("old", 5));

        await PutAsync(org, "doc", Chunks("new", 2));

        var hits = await SearchAsync(org);
        Assert.Equal(["new chunk 0", "new chunk 1"], hits.Select(h => h.Content).Order());
    }

    [Fact]
    public async Task ReplaceDocumentAsync_MoreThanOneBatch_AllStoredAndReplaced()
    {
        var org = NewOrg();
        await PutAsync(org, "big", Chunks("old", 230));

        await PutAsync(org, "big", Chunks("new", 120));

        var remaining = 0;
        while (await Store.DeleteDocumentAsync(org, "big", default))
        {
            remaining++;
        }

        Assert.Equal(1, remaining);
        Assert.Empty(await SearchAsync(org));
    }

    [Fact]
    public async Task DeleteDocumentAsync_Existing_RemovesOnlyThatDocument()
    {
        var org = NewOrg();
        await PutAsync(org, "doc", Chunks("a", 3));
        await PutAsync(org, "doc.1", Chunks("b", 2));
        await PutAsync(org, "doc-2", Chunks("c", 2));

        var deleted = await Store.DeleteDocumentAsync(org, "doc", default);

        Assert.True(deleted);
        Assert.Equal(["doc-2", "doc-2", "doc.1", "doc.1"], (await SearchAsync(org)).Select(h => h.DocumentId).Order(StringComparer.Ordinal));
        Assert.False(await Store.DeleteDocumentAsync(org, "doc", default));
    }

    [Fact]
    public async Task SearchAsync_ManyChunks_ReturnsTopKBestFirst()
    {
        var org = NewOrg();
        // Chunk i is at angle (i+1)*0.1 from the axis: lower i is closer.
        await PutAsync(org, "ranked", Chunks("r", 12, i => AtAngle(0.1 * (12 - i))));

        var hits = await SearchAsync(org, Axis, top: 4);

        Assert.Equal([11, 10, 9, 8], hits.Select(h => h.Chunk));
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public async Task SearchAsync_EmptyOrg_ReturnsNothing()
    {
        Assert.Empty(await SearchAsync(NewOrg()));
    }

    [Fact]
    public async Task SameDocumentIdInTwoOrgs_SearchReplaceDelete_NeverCrossOrgs()
    {
        var orgA = NewOrg();
        var orgB = NewOrg();
        await PutAsync(orgA, "shared", Chunks("A", 4, _ => Axis), "A's title");
        await PutAsync(orgB, "shared", Chunks("B", 4, _ => Axis), "B's title");

        var hitsA = await SearchAsync(orgA);
        await PutAsync(orgA, "shared", Chunks("A2", 1, _ => Axis), "A's title");
        var deletedInA = await Store.DeleteDocumentAsync(orgA, "shared", default);
        var hitsB = await SearchAsync(orgB);

        Assert.All(hitsA, h => Assert.StartsWith("A chunk", h.Content, StringComparison.Ordinal));
        Assert.Equal(4, hitsA.Count);
        Assert.True(deletedInA);
        Assert.Equal(4, hitsB.Count);
        Assert.All(hitsB, h => Assert.Equal(("B's title", "shared"), (h.Title, h.DocumentId)));
        Assert.False(await Store.DeleteDocumentAsync(orgA, "shared", default));
    }

    [Fact]
    public async Task DeleteAllAsync_Org_RemovesEverythingOfThatOrgOnly()
    {
        var orgA = NewOrg();
        var orgB = NewOrg();
        await PutAsync(orgA, "one", Chunks("A", 3));
        await PutAsync(orgA, "two", Chunks("A", 2));
        await PutAsync(orgB, "one", Chunks("B", 3));

        await Store.DeleteAllAsync(orgA, default);
        await Store.DeleteAllAsync(orgA, default);

        Assert.Empty(await SearchAsync(orgA));
        Assert.Equal(3, (await SearchAsync(orgB)).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a|b")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("x' or orgId ne 'a")]
    [InlineData("doc' or '1' eq '1")]
    [InlineData("-lead")]
    public async Task HostileDocumentId_AnyOperation_RefusedBeforeIo(string documentId)
    {
        var org = NewOrg();

        await Assert.ThrowsAsync<ArgumentException>(() => PutAsync(org, documentId, Chunks("x", 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteDocumentAsync(org, documentId, default));
        Assert.Empty(await SearchAsync(org));
    }

    [Theory]
    [InlineData("x' or orgId ne 'a")]
    [InlineData("*")]
    [InlineData("orgId:other OR content:*")]
    [InlineData("') or true or ('")]
    [InlineData("\u0000\\\"'; DROP TABLE KnowledgeChunks; --")]
    public async Task SearchAsync_InjectionShapedText_OnlyOwnOrg(string text)
    {
        var orgA = NewOrg();
        var orgB = NewOrg();
        await PutAsync(orgA, "doc", Chunks("A", 2, _ => Axis));
        await PutAsync(orgB, "doc", Chunks("B", 3, _ => Axis));

        var hits = await SearchAsync(orgA, Axis, top: 50, text: text);

        Assert.Equal(["A chunk 0", "A chunk 1"], hits.Select(h => h.Content).Order());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public async Task SearchAsync_TopOutOfRange_Throws(int top)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SearchAsync(NewOrg(), top: top));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_OrgWithOtherDocuments_OtherVectorsDoNotLeakIntoRanking()
    {
        var org = NewOrg();
        var other = NewOrg();
        await PutAsync(other, "close", Chunks("other", 3, _ => Axis));
        await PutAsync(org, "far", Chunks("mine", 2, Other));

        var hits = await SearchAsync(org, Axis, top: 5);

        Assert.Equal(2, hits.Count);
        Assert.All(hits, h => Assert.Equal("far", h.DocumentId));
    }

    [Fact]
    public async Task SearchAsync_ChunksWithPageAndSection_HitsSayWhereTheyAre()
    {
        var org = NewOrg();
        await PutAsync(org, "file", [new KnowledgeChunk(0, "paged chunk", AtAngle(0.1), Page: 7), new KnowledgeChunk(1, "headed chunk", AtAngle(0.2), Section: "Setup › Linux"), new KnowledgeChunk(2, "plain chunk", AtAngle(0.3))]);

        var hits = await SearchAsync(org);

        Assert.Equal(
            [("headed chunk", null, "Setup › Linux"), ("paged chunk", 7, null), ("plain chunk", null, null)],
            hits.Select(h => (h.Content, h.Page, h.Section)).OrderBy(h => h.Content, StringComparer.Ordinal));
    }

    [Fact]
    public async Task SearchAsync_ChunksStoredWithoutVectors_FoundByTextWithoutQueryVector()
    {
        var org = NewOrg();
        await PutAsync(org, "plain", Enumerable.Range(0, 3).Select(i => new KnowledgeChunk(i, $"plain chunk {i}", ReadOnlyMemory<float>.Empty)).ToList());

        var hits = await Store.SearchAsync(org, "chunk", ReadOnlyMemory<float>.Empty, 10, default);

        Assert.Equal(["plain chunk 0", "plain chunk 1", "plain chunk 2"], hits.Select(h => h.Content).Order());
    }

    [Fact]
    public async Task SearchAsync_EveryKindOfWriteThroughAnotherInstance_SeenByTheNextSearch()
    {
        var org = NewOrg();
        var reader = NewInstance();
        var writer = NewInstance();
        async Task<string[]> ContentsAsync() => [.. (await reader.SearchAsync(org, "chunk", Axis, 50, default)).Select(h => h.Content).Order(StringComparer.Ordinal)];
        Task WriteAsync(string documentId, List<KnowledgeChunk> chunks) => writer.ReplaceDocumentAsync(org, new KnowledgeDocument(documentId, "T", null), chunks, default);

        await WriteAsync("doc", Chunks("v1", 3));
        var created = await ContentsAsync();
        await WriteAsync("doc", Chunks("v2", 2));
        var replaced = await ContentsAsync();
        await WriteAsync("other", Chunks("o", 1));
        var added = await ContentsAsync();
        await writer.DeleteDocumentAsync(org, "doc", default);
        var deleted = await ContentsAsync();
        await writer.DeleteAllAsync(org, default);
        var offboarded = await ContentsAsync();

        Assert.Equal(["v1 chunk 0", "v1 chunk 1", "v1 chunk 2"], created);
        Assert.Equal(["v2 chunk 0", "v2 chunk 1"], replaced);
        Assert.Equal(["o chunk 0", "v2 chunk 0", "v2 chunk 1"], added);
        Assert.Equal(["o chunk 0"], deleted);
        Assert.Empty(offboarded);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_SearchesDuringReplacesOfOver100Chunks_NeverSeeAMix()
    {
        var org = NewOrg();
        const int Size = 150;
        await PutAsync(org, "big", Chunks("v0", Size, _ => Axis));
        var searcher = NewInstance();
        using var done = new CancellationTokenSource();
        var seen = new List<string[]>();
        var searching = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var hits = await searcher.SearchAsync(org, "chunk", Axis, 50, default);
                seen.Add([.. hits.Select(h => h.Content.Split(' ')[0]).Distinct()]);
                Assert.Equal(50, hits.Count);
            }
        });

        for (var version = 1; version <= 3; version++)
        {
            await PutAsync(org, "big", Chunks($"v{version}", Size, _ => Axis));
        }

        await done.CancelAsync();
        await searching;

        Assert.NotEmpty(seen);
        Assert.All(seen, versions => Assert.Single(versions));
        Assert.Equal(["v3"], (await SearchAsync(org)).Select(h => h.Content.Split(' ')[0]).Distinct());
        Assert.Equal(Size, await StoredChunkCountAsync(org));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_TwoConcurrentReplaces_ExactlyOneVersionRemains()
    {
        var org = NewOrg();
        await PutAsync(org, "doc", Chunks("v0", 30));

        await Task.WhenAll(
            NewInstance().ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null), Chunks("a", 120), default),
            NewInstance().ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null), Chunks("b", 130), default));

        var stats = await Store.GetStatsAsync(org, "doc", default);
        var versions = (await SearchAsync(org)).Select(h => h.Content.Split(' ')[0]).Distinct().ToList();
        var winner = Assert.Single(versions);
        Assert.Equal(winner == "a" ? 120 : 130, stats.DocumentChunks);
        Assert.Equal(stats.DocumentChunks, stats.OrgChunks);
        Assert.Equal(stats.DocumentChunks, await StoredChunkCountAsync(org));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_OrgWouldExceedMaxChunks_RefusedAndNothingKept()
    {
        var org = NewOrg();
        var store = NewInstance(maxChunksPerOrg: 10);
        await store.ReplaceDocumentAsync(org, new KnowledgeDocument("first", "T", null), Chunks("f", 6), default);

        var error = await Assert.ThrowsAsync<KnowledgeLimitExceededException>(() =>
            store.ReplaceDocumentAsync(org, new KnowledgeDocument("second", "T", null), Chunks("s", 5), default));
        await store.ReplaceDocumentAsync(org, new KnowledgeDocument("first", "T", null), Chunks("g", 10), default);

        Assert.Equal((10, 11), (error.Limit, error.WouldHold));
        Assert.Equal(["first"], (await store.SearchAsync(org, "chunk", Axis, 50, default)).Select(h => h.DocumentId).Distinct());
        Assert.Equal(new KnowledgeStats(10, 0), await store.GetStatsAsync(org, "second", default));
        Assert.Equal(10, await StoredChunkCountAsync(org));
    }

    [Fact]
    public async Task GetStatsAsync_DocumentsInTwoOrgs_CountsOwnOrgAndDocumentOnly()
    {
        var org = NewOrg();
        var other = NewOrg();
        await PutAsync(org, "one", Chunks("a", 3));
        await PutAsync(org, "two", Chunks("b", 4));
        await PutAsync(other, "one", Chunks("c", 9));

        Assert.Equal(new KnowledgeStats(7, 3), await Store.GetStatsAsync(org, "one", default));
        Assert.Equal(new KnowledgeStats(9, 0), await Store.GetStatsAsync(other, "two", default));
        Assert.Equal(new KnowledgeStats(0, 0), await Store.GetStatsAsync(NewOrg(), null, default));
    }
}
