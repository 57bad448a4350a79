using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Azure.Search.Documents.Indexes.Models;
using Azure.Search.Documents.Models;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Azure AI Search backend: one index shared by every org, one search document per chunk with an
/// <c>orgId</c> filter field. Every query (search, offboarding sweep) carries
/// <c>orgId eq '&lt;org&gt;'</c> built with <see cref="SearchFilter.Create"/>, vector queries run in
/// pre-filter mode, and keys are derived from (org, document, chunk), so no operation can reach
/// another org's chunks. Search is hybrid: full text on title/content plus the vector query.
/// Replace and delete never search for the keys to delete (AI Search makes writes searchable only
/// after about a second): each document's chunk count is kept in the <see cref="DocumentsTable"/>
/// table (PartitionKey = org, RowKey = document id, <c>Chunks</c>), and the keys follow from it.
/// </summary>
internal sealed class AzureSearchKnowledgeStore(AzureSearchIndex index, TableProvider tables) : IKnowledgeStore, IOrgDataOwner
{
    /// <summary>Offboarding removes every chunk of the org.</summary>
    public string Area => "knowledge";

    public const string DocumentsTable = "KnowledgeDocuments";
    public const string ChunksProperty = "Chunks";
    public const string VectorProfile = "vector-profile";
    public const string Algorithm = "hnsw";
    private const int MaxBatch = 500;
    private const int LookupPageSize = 1000;

    private readonly SearchClient _search = index.Client.GetSearchClient(index.Name);

    /// <summary>The search index: one document per chunk, keyed by <c>id</c>, filterable by <c>orgId</c> and <c>documentId</c>, with the chunk's vector.</summary>
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

    /// <summary>Creates the index, or adds what it lacks; awaited before every operation (see <see cref="AzureSearchIndex"/>).</summary>
    public Task EnsureIndexAsync(CancellationToken cancellationToken) => index.EnsureAsync(cancellationToken);

    public async Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(document.DocumentId);
        KnowledgeArguments.Chunks(chunks);
        foreach (var chunk in chunks)
        {
            if (chunk.Embedding.Length != index.Dimensions)
            {
                throw new ArgumentException($"The index holds {index.Dimensions}-dimensional vectors; chunk {chunk.Number} has {chunk.Embedding.Length}.", nameof(chunks));
            }
        }

        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        var oldCount = await ReadChunkCountAsync(counts, orgId, document.DocumentId, cancellationToken).ConfigureAwait(false) ?? 0;
        if (chunks.Count > oldCount)
        {
            // Recorded before the upload, so the row never counts fewer chunks than the index may hold
            // (an interrupted replace leaves nothing that a later delete cannot find).
            await WriteChunkCountAsync(counts, orgId, document.DocumentId, chunks.Count, cancellationToken).ConfigureAwait(false);
        }

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

        if (chunks.Count < oldCount)
        {
            await DeleteKeysAsync(orgId, document.DocumentId, chunks.Count, oldCount, cancellationToken).ConfigureAwait(false);
            await WriteChunkCountAsync(counts, orgId, document.DocumentId, chunks.Count, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(documentId);
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        if (await ReadChunkCountAsync(counts, orgId, documentId, cancellationToken).ConfigureAwait(false) is not { } count)
        {
            return false;
        }

        await DeleteKeysAsync(orgId, documentId, 0, count, cancellationToken).ConfigureAwait(false);
        await counts.DeleteEntityAsync(orgId.Value, documentId, ETag.All, cancellationToken).ConfigureAwait(false);
        return true;
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
        await DeleteOrgChunksAsync(orgId, cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        await counts.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A key AI Search accepts (letters, digits, '-', '_', '='): base64url of <c>{org}|{documentId}|{chunk:D5}</c>.
    /// Unique per (org, document, chunk), so the same document id in two orgs never shares a key.
    /// </summary>
    internal static string Key(OrgId orgId, string documentId, int chunk) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{orgId.Value}|{documentId}|{chunk:D5}")));

    /// <summary>The document's chunk count, or null when the org has no such document (a point read of the org's partition).</summary>
    private static async Task<int?> ReadChunkCountAsync(TableClient counts, OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        var row = await counts.GetEntityIfExistsAsync<TableEntity>(orgId.Value, documentId, [ChunksProperty], cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetInt32(ChunksProperty) ?? 0 : null;
    }

    private static Task<Response> WriteChunkCountAsync(TableClient counts, OrgId orgId, string documentId, int count, CancellationToken cancellationToken) =>
        counts.UpsertEntityAsync(new TableEntity(orgId.Value, documentId) { [ChunksProperty] = count }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Deletes the chunks numbered [<paramref name="from"/>, <paramref name="to"/>) by key; keys already gone are no error.</summary>
    private async Task DeleteKeysAsync(OrgId orgId, string documentId, int from, int to, CancellationToken cancellationToken)
    {
        var keys = Enumerable.Range(from, to - from).Select(chunk => new ChunkKey { Id = Key(orgId, documentId, chunk), OrgId = orgId.Value });
        await DeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(IEnumerable<ChunkKey> keys, CancellationToken cancellationToken)
    {
        foreach (var batch in keys.Chunk(MaxBatch))
        {
            await _search.IndexDocumentsAsync(IndexDocumentsBatch.Delete(batch), new IndexDocumentsOptions { ThrowOnAnyError = true }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Offboarding sweep: lists every key of the org with org-filtered queries (keyset paging on <c>id</c>, so it
    /// also works past the service's skip limit and while earlier deletes are not yet visible), then deletes them.
    /// Chunks written in the last second may not be listed yet; the final offboarding phase sweeps again later.
    /// </summary>
    private async Task DeleteOrgChunksAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var keys = new List<ChunkKey>();
        string? after = null;
        while (true)
        {
            var filter = after is null
                ? SearchFilter.Create($"orgId eq {orgId.Value}")
                : SearchFilter.Create($"orgId eq {orgId.Value} and id gt {after}");
            var options = new SearchOptions { Filter = filter, Size = LookupPageSize, OrderBy = { "id asc" }, Select = { "id", "orgId" } };
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

        await DeleteAsync(keys, cancellationToken).ConfigureAwait(false);
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
