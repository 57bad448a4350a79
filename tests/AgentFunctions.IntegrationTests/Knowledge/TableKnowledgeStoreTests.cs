using System.Numerics.Tensors;
using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>The conformance suite on the embedded backend, against Azurite.</summary>
public sealed class TableKnowledgeStoreTests(AzuriteFixture azurite) : KnowledgeStoreConformanceTests, IClassFixture<AzuriteFixture>
{
    private readonly TableServiceClient _service = new(azurite.ConnectionString);

    private protected override IKnowledgeStore Store => NewInstance();

    private protected override IKnowledgeStore NewInstance(int maxChunksPerOrg = 50_000)
    {
        var options = Options.Create(new KnowledgeOptions { MaxChunksPerOrg = maxChunksPerOrg });
        return new TableKnowledgeStore(new TableProvider(_service), new KnowledgeCache<KnowledgeIndex>(options), options, NullLogger<TableKnowledgeStore>.Instance);
    }

    private protected override async Task<int> StoredChunkCountAsync(OrgId orgId)
    {
        var table = _service.GetTableClient(TableKnowledgeStore.TableName);
        var rows = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), select: ["RowKey"]).ToListAsync();
        return rows.Count;
    }

    [Fact]
    public async Task ReplaceDocumentAsync_Chunks_VersionAndPointerRowsThenGenerationRowsWithCompactVector()
    {
        var org = NewOrg();

        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", """{"k":1}"""), [new KnowledgeChunk(0, "text", new float[] { 3, 4, 0, 0, 0, 0, 0, 0 })], default);

        var table = _service.GetTableClient(TableKnowledgeStore.TableName);
        var pointers = _service.GetTableClient(TableKnowledgeStore.PointersTable);
        var pointer = (await pointers.GetEntityAsync<TableEntity>(org.Value, "doc")).Value;
        var entity = (await table.GetEntityAsync<TableEntity>(org.Value, TableKnowledgeStore.ChunkKey("doc", pointer.GetString("Generation"), 0))).Value;
        var vector = entity.GetBinary("Vector");
        Assert.Equal(Dimensions * sizeof(float), vector.Length);
        Assert.Equal([0.6f, 0.8f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(vector)[..2].ToArray());
        Assert.Equal(("""{"k":1}""", "T", 1), (pointer.GetString("Metadata"), pointer.GetString("Title"), pointer.GetInt32("Chunks")));
        Assert.Equal(1, (await pointers.GetEntityAsync<TableEntity>(org.Value, TableKnowledgeStore.VersionRow)).Value.GetInt32("Chunks"));
    }

    [Fact]
    public async Task SearchAsync_NoQueryVector_Bm25RanksTheChunkWithTheRareTermsFirst()
    {
        var org = NewOrg();
        string[] texts = ["The office opens at nine.", "Refunds are paid within 14 days of the return.", "The office is closed on Sundays.", "Parking is free for visitors."];
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("faq", "FAQ", null), [.. texts.Select((t, i) => new KnowledgeChunk(i, t, ReadOnlyMemory<float>.Empty))], default);

        var hits = await Store.SearchAsync(org, "how long until refunds are paid?", ReadOnlyMemory<float>.Empty, 2, default);

        Assert.Equal("Refunds are paid within 14 days of the return.", hits[0].Content);
        Assert.Single(hits);
    }

    [Fact]
    public async Task SearchAsync_VectorAndText_HybridFindsTheTextMatchWithAFarVector()
    {
        var org = NewOrg();
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null),
        [
            new KnowledgeChunk(0, "alpha", AtAngle(0.1)),
            new KnowledgeChunk(1, "beta", AtAngle(0.2)),
            new KnowledgeChunk(2, "zebra crossing rules", AtAngle(1.5)),
        ], default);

        var vectorOnlyWinner = (await Store.SearchAsync(org, "nothing matches", Axis, 1, default))[0];
        var hybrid = await Store.SearchAsync(org, "zebra crossing", Axis, 3, default);

        Assert.Equal("alpha", vectorOnlyWinner.Content);
        Assert.Equal("zebra crossing rules", hybrid[0].Content);
    }

    [Fact]
    public async Task SearchAsync_VectorOfOtherLength_SkippedNotFailed()
    {
        var org = NewOrg();
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("old-model", "T", null), [new KnowledgeChunk(0, "old", new float[] { 1, 0, 0 })], default);
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("new-model", "T", null), [new KnowledgeChunk(0, "new", Axis)], default);

        var hits = await Store.SearchAsync(org, "q", Axis, 10, default);

        Assert.Equal(["new-model"], hits.Select(h => h.DocumentId));
    }

    [Fact]
    public async Task SearchAsync_OrgThisInstanceFoundWithKnowledge_EmbeddingStartsBeforeTheVersionReadAnswers()
    {
        var org = NewOrg();
        var store = NewInstance();
        await store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null), [new KnowledgeChunk(0, "chunk", Axis)], default);
        var embedding = new TaskCompletionSource<ReadOnlyMemory<float>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        Task<ReadOnlyMemory<float>> Embed(CancellationToken cancellationToken)
        {
            calls++;
            return embedding.Task;
        }

        var first = store.SearchAsync(org, "chunk", Embed, 5, default);
        var calledBeforeFirstRead = calls; // the version read is a network round trip: still under way here
        embedding.SetResult(Axis);
        Assert.Single(await first);
        var second = store.SearchAsync(org, "chunk", Embed, 5, default);
        var calledBeforeSecondRead = calls;

        Assert.Equal(0, calledBeforeFirstRead); // an org this instance has not found with knowledge: the read decides
        Assert.Equal(2, calledBeforeSecondRead);
        Assert.Single(await second);
    }

    [Fact]
    public async Task SearchAsync_KnowledgeDeletedThroughAnotherInstance_OneOverlappedEmbeddingCallThenNone()
    {
        var org = NewOrg();
        var store = NewInstance();
        await store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null), [new KnowledgeChunk(0, "chunk", Axis)], default);
        var calls = 0;
        Task<ReadOnlyMemory<float>> Embed(CancellationToken cancellationToken)
        {
            calls++;
            return Task.FromResult<ReadOnlyMemory<float>>(Axis);
        }

        Assert.Single(await store.SearchAsync(org, "chunk", Embed, 5, default));
        Assert.True(await NewInstance().DeleteDocumentAsync(org, "doc", default));

        Assert.Empty(await store.SearchAsync(org, "chunk", Embed, 5, default));
        Assert.Empty(await store.SearchAsync(org, "chunk", Embed, 5, default));
        Assert.Equal(2, calls);
    }

    [Theory]
    [InlineData(384, 1)]
    [InlineData(1536, 2)]
    public async Task SearchAsync_NearTiesCloserThanTheInt8CodesResolve_RanksAsTheExactFloatScanOfTheStoredVectors(int dimensions, int seed)
    {
        // 300 vectors within 1e-4 of one center (closer than an int8 step: their code scores tie or invert) and 200
        // random ones, in random row order; the query lies near the center, so the best 50 are all near-ties.
        var org = NewOrg();
        var random = new Random(seed);
        var center = RandomUnit(random, dimensions);
        var vectors = Enumerable.Range(0, 300).Select(_ => center.Select(x => x + (float)((random.NextDouble() - 0.5) * 1e-4)).ToArray())
            .Concat(Enumerable.Range(0, 200).Select(_ => RandomUnit(random, dimensions)))
            .OrderBy(_ => random.Next()).ToList();
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("near-ties", "Near ties", null), [.. vectors.Select((v, i) => new KnowledgeChunk(i, $"chunk {i}", v))], default);
        var query = center.Select(x => x + (float)((random.NextDouble() - 0.5) * 1e-2)).ToArray();

        // "zzz" matches no chunk: the ranking is the vector ranking alone, each hit scoring 1 / (60 + its rank).
        var hits = await NewInstance().SearchAsync(org, "zzz", query, KnowledgeArguments.MaxTop, default);

        // The exact scan, computed here: every stored vector (the bytes in the table, as the store normalized them)
        // scored in float32 against the normalized query; best first, equal scores in chunk order and sharing a rank.
        var table = _service.GetTableClient(TableKnowledgeStore.TableName);
        var stored = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {org.Value}"), select: ["Chunk", "Vector"]).ToListAsync();
        var normalized = VectorMath.Normalize(query);
        var exact = stored.Select(row => (Chunk: row.GetInt32("Chunk")!.Value, Score: TensorPrimitives.Dot(normalized, VectorMath.FromBytes(row.GetBinary("Vector")))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Chunk).Take(KnowledgeArguments.MaxTop).ToList();
        var expected = exact.Select(x => (x.Chunk, Score: (double)(1f / (60 + 1 + exact.FindIndex(y => y.Score == x.Score))))).ToList();
        Assert.Equal(500, stored.Count);
        Assert.True(exact.Select(x => x.Score).Distinct().Count() > KnowledgeArguments.MaxTop / 2, "the near-ties should be told apart by their float scores");
        Assert.Equal(expected, hits.Select(h => (h.Chunk, h.Score)));
    }

    private static float[] RandomUnit(Random random, int dimensions) =>
        VectorMath.Normalize([.. Enumerable.Range(0, dimensions).Select(_ => (float)((random.NextDouble() * 2) - 1))]);
}
