using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>The conformance suite on the embedded backend, against Azurite.</summary>
public sealed class TableKnowledgeStoreTests(AzuriteFixture azurite) : KnowledgeStoreConformanceTests, IClassFixture<AzuriteFixture>
{
    private readonly TableServiceClient _service = new(azurite.ConnectionString);

    private protected override IKnowledgeStore Store => new TableKnowledgeStore(new TableProvider(_service));

    [Fact]
    public async Task ReplaceDocumentAsync_Chunks_StoredUnderOrgPartitionWithCompactVector()
    {
        var org = OrgId.Parse("org-layout");

        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", """{"k":1}"""), [new KnowledgeChunk(0, "text", new float[] { 3, 4, 0, 0, 0, 0, 0, 0 })], default);

        var table = _service.GetTableClient(TableKnowledgeStore.TableName);
        var entity = (await table.GetEntityAsync<TableEntity>("org-layout", "doc|00000")).Value;
        var vector = entity.GetBinary("Vector");
        Assert.Equal(Dimensions * sizeof(float), vector.Length);
        Assert.Equal([0.6f, 0.8f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(vector)[..2].ToArray());
        Assert.Equal("""{"k":1}""", entity.GetString("Metadata"));
    }

    [Fact]
    public async Task SearchAsync_VectorOfOtherLength_SkippedNotFailed()
    {
        var org = OrgId.Parse("org-mixed-dims");
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("old-model", "T", null), [new KnowledgeChunk(0, "old", new float[] { 1, 0, 0 })], default);
        await Store.ReplaceDocumentAsync(org, new KnowledgeDocument("new-model", "T", null), [new KnowledgeChunk(0, "new", Axis)], default);

        var hits = await Store.SearchAsync(org, "q", Axis, 10, default);

        Assert.Equal(["new-model"], hits.Select(h => h.DocumentId));
    }
}
