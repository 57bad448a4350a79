using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Search.Documents;
using Azure.Search.Documents.Models;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// The conformance suite on the Azure AI Search backend, against <see cref="AzureSearchTestServer"/>,
/// which answers 400 (failing the test) for any query without the org filter, any vector query not in
/// pre-filter mode, and any upsert or delete without the org field.
/// </summary>
public sealed class AzureSearchKnowledgeStoreTests(AzureSearchTestServer server) : KnowledgeStoreConformanceTests, IClassFixture<AzureSearchTestServer>
{
    private readonly AzureSearchKnowledgeStore _store = new(server.CreateClient(), "knowledge", Dimensions);

    protected override IKnowledgeStore Store => _store;

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
        Assert.True(filters.Count >= 4);
        Assert.All(filters, f => Assert.StartsWith("orgId eq 'org-filter-check'", f, StringComparison.Ordinal));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public void Key_SameDocumentInTwoOrgs_DifferentKeysOfAllowedCharacters()
    {
        var a = AzureSearchKnowledgeStore.Key(OrgId.Parse("org-a"), "Doc.1_x-y", 7);
        var b = AzureSearchKnowledgeStore.Key(OrgId.Parse("org-b"), "Doc.1_x-y", 7);

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
