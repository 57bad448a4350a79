using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure;
using Azure.Data.Tables;
using Azure.Search.Documents;
using Azure.Search.Documents.Models;
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// The conformance suite on the Azure AI Search backend, against <see cref="AzureSearchTestServer"/>,
/// which answers 400 (failing the test) for any query without the org filter, any vector query not in
/// pre-filter mode, and any upsert or delete without the org field. The per-document chunk counts live
/// in Azurite.
/// </summary>
public sealed class AzureSearchKnowledgeStoreTests(AzureSearchTestServer server, AzuriteFixture azurite)
    : KnowledgeStoreConformanceTests, IClassFixture<AzureSearchTestServer>, IClassFixture<AzuriteFixture>
{
    private readonly TableServiceClient _tables = new(azurite.ConnectionString);
    private readonly AzureSearchKnowledgeStore _store = Create(server, azurite, 50_000);

    private protected override IKnowledgeStore Store => _store;

    private protected override IKnowledgeStore NewInstance(int maxChunksPerOrg = 50_000) => Create(server, azurite, maxChunksPerOrg);

    private protected override Task<int> StoredChunkCountAsync(OrgId orgId) => Task.FromResult(server.StoredKeys(orgId.Value).Count);

    private static AzureSearchKnowledgeStore Create(AzureSearchTestServer server, AzuriteFixture azurite, int maxChunksPerOrg)
    {
        var options = Options.Create(new KnowledgeOptions { MaxChunksPerOrg = maxChunksPerOrg });
        return new(new AzureSearchIndex(server.CreateClient(), "knowledge", Dimensions), new TableProvider(new TableServiceClient(azurite.ConnectionString)), new KnowledgeCache<DocumentGenerations>(options), options);
    }

    [Fact]
    public async Task EnsureIndexAsync_Start_CreatesIndexWithOrgFilterFieldAndCosineHnsw()
    {
        await _store.EnsureIndexAsync(default);

        var index = server.IndexDefinitions.Last();
        var fields = index["fields"]!.AsArray().ToDictionary(f => (string)f!["name"]!, f => f!);
        Assert.True((bool)fields["id"]["key"]!);
        Assert.True((bool)fields["orgId"]["filterable"]!);
        Assert.True((bool)fields["documentId"]["filterable"]!);
        Assert.Equal("Edm.Int32", (string)fields["chunk"]["type"]!);
        Assert.True((bool)fields["content"]["searchable"]!);
        Assert.Equal(Dimensions, (int)fields["embedding"]["dimensions"]!);
        Assert.Equal(AzureSearchKnowledgeStore.VectorProfile, (string)fields["embedding"]["vectorSearchProfile"]!);
        var algorithm = index["vectorSearch"]!["algorithms"]![0]!;
        Assert.Equal(("hnsw", "cosine"), ((string)algorithm["kind"]!, (string)algorithm["hnswParameters"]!["metric"]!));
    }

    [Fact]
    public async Task Operations_AnyOrg_EveryQueryCarriesEscapedOrgFilter()
    {
        var org = OrgId.Parse("org-filter-check");
        var before = server.Filters.Count;

        await _store.ReplaceDocumentAsync(org, new KnowledgeDocument("d", "T", null), [new KnowledgeChunk(0, "c", Axis)], default);
        await _store.SearchAsync(org, "x' or orgId ne 'a", Axis, 3, default);
        await _store.DeleteDocumentAsync(org, "d", default);
        await _store.DeleteAllAsync(org, default);

        var filters = server.Filters.Skip(before).ToList();
        Assert.True(filters.Count >= 2);
        Assert.All(filters, f => Assert.StartsWith("orgId eq 'org-filter-check'", f, StringComparison.Ordinal));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task ReplaceThenDelete_WritesNotYetSearchable_NoStaleChunkLeft()
    {
        var org = NewOrg();
        var document = new KnowledgeDocument("lagging", "T", null);
        static List<KnowledgeChunk> Version(int count) => [.. Enumerable.Range(0, count).Select(i => new KnowledgeChunk(i, $"chunk {i}", Axis))];
        server.PauseIndexing();
        try
        {
            await _store.ReplaceDocumentAsync(org, document, Version(10), default);

            await _store.ReplaceDocumentAsync(org, document, Version(5), default);
            var afterReplace = server.StoredKeys(org.Value);
            var generation = (await _tables.GetTableClient(AzureSearchKnowledgeStore.DocumentsTable).GetEntityAsync<TableEntity>(org.Value, "lagging")).Value.GetString(AzureSearchKnowledgeStore.GenerationProperty);
            var deleted = await _store.DeleteDocumentAsync(org, "lagging", default);

            Assert.Equal(Enumerable.Range(0, 5).Select(i => AzureSearchKnowledgeStore.Key(org, "lagging", generation, i)).Order(StringComparer.Ordinal), afterReplace);
            Assert.True(deleted);
            Assert.Empty(server.StoredKeys(org.Value));
            Assert.Empty(server.Violations);
        }
        finally
        {
            server.ResumeIndexing();
        }
    }

    [Fact]
    public async Task ReplaceDocumentAsync_Document_ChunkCountRowInOrgPartition()
    {
        var org = NewOrg();
        var other = NewOrg();
        var chunks = Enumerable.Range(0, 3).Select(i => new KnowledgeChunk(i, $"c{i}", Axis)).ToList();

        await _store.ReplaceDocumentAsync(org, new KnowledgeDocument("doc", "T", null), chunks, default);
        await _store.ReplaceDocumentAsync(other, new KnowledgeDocument("doc", "T", null), chunks[..1], default);

        var table = _tables.GetTableClient(AzureSearchKnowledgeStore.DocumentsTable);
        Assert.Equal(3, (await table.GetEntityAsync<TableEntity>(org.Value, "doc")).Value.GetInt32(AzureSearchKnowledgeStore.ChunksProperty));
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>(other.Value, "doc")).Value.GetInt32(AzureSearchKnowledgeStore.ChunksProperty));
    }

    [Fact]
    public async Task DeleteAllAsync_Org_RemovesOrgsCountRowsOnly()
    {
        var org = NewOrg();
        var other = NewOrg();
        KnowledgeChunk[] chunk = [new(0, "c", Axis)];
        await _store.ReplaceDocumentAsync(org, new KnowledgeDocument("one", "T", null), chunk, default);
        await _store.ReplaceDocumentAsync(org, new KnowledgeDocument("two", "T", null), chunk, default);
        await _store.ReplaceDocumentAsync(other, new KnowledgeDocument("one", "T", null), chunk, default);

        await _store.DeleteAllAsync(org, default);

        var table = _tables.GetTableClient(AzureSearchKnowledgeStore.DocumentsTable);
        Assert.Empty(await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {org.Value}")).ToListAsync());
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(other.Value, "one")).HasValue);
    }

    [Fact]
    public void Key_SameDocumentInTwoOrgs_DifferentKeysOfAllowedCharacters()
    {
        var a = AzureSearchKnowledgeStore.Key(OrgId.Parse("org-a"), "Doc.1_x-y", "0123abcd", 7);
        var b = AzureSearchKnowledgeStore.Key(OrgId.Parse("org-b"), "Doc.1_x-y", "0123abcd", 7);

        Assert.NotEqual(a, b);
        Assert.All(a + b, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '='));
    }

    [Fact]
    public async Task TestServer_QueryWithoutOrgFilter_RefusedAndRecorded()
    {
        var client = server.CreateClient().GetSearchClient("knowledge");

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SearchAsync<SearchDocument>("*", new SearchOptions { Filter = "documentId eq 'x'" }));

        Assert.Equal(400, error.Status);
        Assert.Contains(server.Violations, v => v.Contains("without a top-level orgId", StringComparison.Ordinal));
        while (server.Violations.TryDequeue(out _))
        {
        }
    }
}
