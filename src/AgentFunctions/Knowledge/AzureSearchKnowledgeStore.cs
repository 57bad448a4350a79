using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization;
using AgentFunctions.Tenancy;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Azure.Search.Documents.Indexes.Models;
using Azure.Search.Documents.Models;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Azure AI Search backend: one index shared by every org, one search document per chunk with an
/// <c>orgId</c> filter field. Every query (search, stale-chunk lookup, delete lookup) carries
/// <c>orgId eq '&lt;org&gt;'</c> built with <see cref="SearchFilter.Create"/>, vector queries run in
/// pre-filter mode, and keys are derived from (org, document, chunk), so no operation can reach
/// another org's chunks. Search is hybrid: full text on title/content plus the vector query.
/// </summary>
internal sealed class AzureSearchKnowledgeStore(SearchIndexClient indexClient, string indexName, int dimensions) : IKnowledgeStore
{
    public const string VectorProfile = "vector-profile";
    public const string Algorithm = "hnsw";
    private const int MaxBatch = 500;
    private const int LookupPageSize = 1000;

    private readonly SearchClient _search = indexClient.GetSearchClient(indexName);
    private readonly Lazy<Task> _index = new(() => indexClient.CreateOrUpdateIndexAsync(Definition(indexName, dimensions)));

    /// <summary>The index with the fields of DESIGN.md "Vector search".</summary>
    public static SearchIndex Definition(string name, int dimensions) => new(name)
    {
        Fields =
        {
            new SimpleField("id", SearchFieldDataType.String) { IsKey = true, IsFilterable = true, IsSortable = true },
            new SimpleField("orgId", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("documentId", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("chunk", SearchFieldDataType.Int32) { IsFilterable = true, IsSortable = true },
            new SearchableField("title"),
            new SearchableField("content"),
            new SimpleField("metadata", SearchFieldDataType.String),
            new VectorSearchField("embedding", dimensions, VectorProfile),
        },
        VectorSearch = new VectorSearch
        {
            Profiles = { new VectorSearchProfile(VectorProfile, Algorithm) },
            Algorithms = { new HnswAlgorithmConfiguration(Algorithm) { Parameters = new HnswParameters { Metric = VectorSearchAlgorithmMetric.Cosine } } },
        },
    };

    /// <summary>Creates the index, or adds what it lacks; run at start-up and awaited before every operation.</summary>
    public Task EnsureIndexAsync(CancellationToken cancellationToken) => _index.Value.WaitAsync(cancellationToken);

    public async Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(document.DocumentId);
        KnowledgeArguments.Chunks(chunks);
        foreach (var chunk in chunks)
        {
            if (chunk.Embedding.Length != dimensions)
            {
                throw new ArgumentException($"The index holds {dimensions}-dimensional vectors; chunk {chunk.Number} has {chunk.Embedding.Length}.", nameof(chunks));
            }
        }

        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var documents = chunks.Select(chunk => new ChunkDocument
        {
            Id = Key(orgId, document.DocumentId, chunk.Number),
            OrgId = orgId.Value,
            DocumentId = document.DocumentId,
            Chunk = chunk.Number,
            Title = document.Title,
            Content = chunk.Content,
            Metadata = document.Metadata,
            Embedding = chunk.Embedding,
        });
        foreach (var batch in documents.Chunk(MaxBatch))
        {
            await _search.IndexDocumentsAsync(IndexDocumentsBatch.MergeOrUpload(batch), new IndexDocumentsOptions { ThrowOnAnyError = true }, cancellationToken).ConfigureAwait(false);
        }

        await DeleteMatchingAsync(orgId, $"orgId eq {orgId.Value} and documentId eq {document.DocumentId} and chunk ge {chunks.Count}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(documentId);
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        return await DeleteMatchingAsync(orgId, $"orgId eq {orgId.Value} and documentId eq {documentId}", cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int top, CancellationToken cancellationToken)
    {
        KnowledgeArguments.Top(top);
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var options = new SearchOptions
        {
            Filter = SearchFilter.Create($"orgId eq {orgId.Value}"),
            Size = top,
            QueryType = SearchQueryType.Simple,
            SearchMode = SearchMode.Any,
            VectorSearch = new VectorSearchOptions
            {
                Queries = { new VectorizedQuery(queryVector) { KNearestNeighborsCount = top, Fields = { "embedding" } } },
                FilterMode = VectorFilterMode.PreFilter,
            },
        };
        foreach (var field in new[] { "orgId", "documentId", "chunk", "title", "content" })
        {
            options.Select.Add(field);
        }

        var response = await _search.SearchAsync<ChunkDocument>(queryText, options, cancellationToken).ConfigureAwait(false);
        var hits = new List<KnowledgeHit>(top);
        await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
        {
            var chunk = result.Document;
            if (chunk.OrgId != orgId.Value)
            {
                // The filter makes this impossible; refuse to pass on anything else regardless.
                throw new InvalidOperationException("The search index returned a chunk of another org.");
            }

            hits.Add(new KnowledgeHit(chunk.DocumentId!, chunk.Chunk, chunk.Title ?? string.Empty, chunk.Content ?? string.Empty, result.Score ?? 0));
            if (hits.Count == top)
            {
                break;
            }
        }

        return hits;
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        await DeleteMatchingAsync(orgId, $"orgId eq {orgId.Value}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A key AI Search accepts (letters, digits, '-', '_', '='): base64url of <c>{org}|{documentId}|{chunk:D5}</c>.
    /// Unique per (org, document, chunk), so the same document id in two orgs never shares a key.
    /// </summary>
    internal static string Key(OrgId orgId, string documentId, int chunk) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{orgId.Value}|{documentId}|{chunk:D5}")));

    /// <summary>
    /// Lists the matching keys with org-filtered queries (keyset paging on <c>id</c>, so it also works
    /// past the service's skip limit and while earlier deletes are not yet visible), then deletes them.
    /// </summary>
    /// <param name="condition">An OData condition whose arguments <see cref="SearchFilter.Create"/> escapes; it must include the org.</param>
    private async Task<int> DeleteMatchingAsync(OrgId orgId, FormattableString condition, CancellationToken cancellationToken)
    {
        var keys = new List<ChunkKey>();
        string? after = null;
        while (true)
        {
            var page = FormattableStringFactory.Create(
                after is null ? condition.Format : $"{condition.Format} and id gt {{{condition.ArgumentCount}}}",
                after is null ? condition.GetArguments() : [.. condition.GetArguments(), after]);
            var options = new SearchOptions { Filter = SearchFilter.Create(page), Size = LookupPageSize, OrderBy = { "id asc" }, Select = { "id", "orgId" } };
            var response = await _search.SearchAsync<ChunkKey>("*", options, cancellationToken).ConfigureAwait(false);
            var count = keys.Count;
            await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
            {
                if (result.Document.OrgId != orgId.Value)
                {
                    throw new InvalidOperationException("The search index returned a chunk of another org.");
                }

                keys.Add(result.Document);
            }

            if (keys.Count - count < LookupPageSize)
            {
                break;
            }

            after = keys[^1].Id;
        }

        foreach (var batch in keys.Chunk(MaxBatch))
        {
            await _search.IndexDocumentsAsync(IndexDocumentsBatch.Delete(batch), new IndexDocumentsOptions { ThrowOnAnyError = true }, cancellationToken).ConfigureAwait(false);
        }

        return keys.Count;
    }

    /// <summary>A chunk as stored in the index.</summary>
    internal sealed class ChunkDocument
    {
        [JsonPropertyName("id")]
        public string? Id { get; set; }

        [JsonPropertyName("orgId")]
        public string? OrgId { get; set; }

        [JsonPropertyName("documentId")]
        public string? DocumentId { get; set; }

        [JsonPropertyName("chunk")]
        public int Chunk { get; set; }

        [JsonPropertyName("title")]
        public string? Title { get; set; }

        [JsonPropertyName("content")]
        public string? Content { get; set; }

        [JsonPropertyName("metadata")]
        public string? Metadata { get; set; }

        [JsonPropertyName("embedding")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    /// <summary>What a delete sends: the key, plus the org (ignored by the service, checked by our test server).</summary>
    internal sealed class ChunkKey
    {
        [JsonPropertyName("id")]
        public string Id { get; set; } = string.Empty;

        [JsonPropertyName("orgId")]
        public string? OrgId { get; set; }
    }
}
