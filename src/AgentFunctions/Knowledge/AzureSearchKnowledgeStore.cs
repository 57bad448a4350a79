using System.Runtime.CompilerServices;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure.Data.Tables;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes.Models;
using Azure.Search.Documents.Models;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Azure AI Search backend: one index shared by every org, one search document per chunk with an
/// <c>orgId</c> filter field. Every query (search, offboarding sweep) carries
/// <c>orgId eq '&lt;org&gt;'</c> built with <see cref="SearchFilter.Create(FormattableString)"/>, vector queries run in
/// pre-filter mode, and keys are derived from (org, document, chunk), so no operation can reach
/// another org's chunks. Search is hybrid: full text on title/content plus the vector query.
/// Replace and delete never search for the keys to delete (AI Search makes writes searchable only
/// after about a second): each document's pointer is kept in the <see cref="DocumentsTable"/>
/// table (PartitionKey = org, RowKey = document id: <c>Chunks</c> and <c>Generation</c>), and the keys follow from it.
/// Row <see cref="OrgRow"/> holds the org's chunk count; its ETag is the org's knowledge version, moved in the same
/// transaction as every pointer change (<see cref="KnowledgePointers"/>). A replace uploads its chunks under a fresh generation,
/// swaps the pointer, then deletes the displaced generation; a search drops every result whose generation is not its
/// document's current one (the org's generations are cached per instance by version), so it never returns a mix.
/// </summary>
internal sealed class AzureSearchKnowledgeStore(
    AzureSearchIndex index,
    TableProvider tables,
    KnowledgeCache<DocumentGenerations> generations,
    IOptions<KnowledgeOptions> knowledgeOptions) : IKnowledgeStore, IOrgDataOwner
{
    /// <summary>Offboarding removes every chunk of the org.</summary>
    public string Area => "knowledge";

    public const string OrgRow = "!org";
    private const int MaxSearchSize = 1000;
    private const int MaxSearchAttempts = 5;
    public const string DocumentsTable = "KnowledgeDocuments";
    public const string ChunksProperty = KnowledgePointers.ChunksProperty;
    public const string GenerationProperty = KnowledgePointers.GenerationProperty;
    public const string VectorProfile = "vector-profile";
    public const string Algorithm = "hnsw";
    private const int MaxBatch = 500;
    private const int LookupPageSize = 1000;

    private readonly SearchClient _search = index.Client.GetSearchClient(index.Name);
    private readonly KnowledgePointers _pointers = new(OrgRow, knowledgeOptions.Value.MaxChunksPerOrg);

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
            new SimpleField("page", SearchFieldDataType.Int32),
            new SearchableField("section"),
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
            if (!chunk.Embedding.IsEmpty && chunk.Embedding.Length != index.Dimensions)
            {
                throw new ArgumentException($"The index holds {index.Dimensions}-dimensional vectors; chunk {chunk.Number} has {chunk.Embedding.Length}.", nameof(chunks));
            }
        }

        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        var generation = Identifiers.NewId();
        var documents = chunks.Select(chunk => new ChunkDocument
        {
            Id = Key(orgId, document.DocumentId, generation, chunk.Number),
            OrgId = orgId.Value,
            DocumentId = document.DocumentId,
            Chunk = chunk.Number,
            Title = document.Title,
            Content = chunk.Content,
            Page = chunk.Page,
            Section = chunk.Section,
            Metadata = document.Metadata,
            Embedding = chunk.Embedding,
        });
        foreach (var batch in documents.Chunk(MaxBatch))
        {
            await _search.IndexDocumentsAsync(IndexDocumentsBatch.MergeOrUpload(batch), new IndexDocumentsOptions { ThrowOnAnyError = true }, cancellationToken).ConfigureAwait(false);
        }

        var pointer = new TableEntity(orgId.Value, document.DocumentId) { [ChunksProperty] = chunks.Count, [GenerationProperty] = generation };
        KnowledgePointer? displaced;
        try
        {
            displaced = await _pointers.SwapAsync(counts, orgId, document.DocumentId, pointer, cancellationToken).ConfigureAwait(false);
        }
        catch (KnowledgeLimitExceededException)
        {
            await DeleteKeysAsync(orgId, document.DocumentId, new KnowledgePointer(generation, chunks.Count), cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (displaced is { } old)
        {
            await DeleteKeysAsync(orgId, document.DocumentId, old, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(documentId);
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        if (await _pointers.SwapAsync(counts, orgId, documentId, null, cancellationToken).ConfigureAwait(false) is not { } old)
        {
            return false;
        }

        await DeleteKeysAsync(orgId, documentId, old, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken)
    {
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        return await _pointers.StatsAsync(counts, orgId, documentId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Hybrid (text + vector) or, with an empty vector, text only. Results of a generation that is not its document's
    /// current one (a replace in progress or just done) are dropped; while that leaves fewer than <paramref name="top"/>
    /// and the service had more, the query is repeated for more results.
    /// </summary>
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> embed, int top, CancellationToken cancellationToken)
    {
        KnowledgeArguments.Top(top);
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        var version = await _pointers.ReadVersionAsync(counts, orgId, cancellationToken).ConfigureAwait(false);
        if (KnowledgePointers.Chunks(version) == 0)
        {
            return [];
        }

        var queryVector = await embed(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            if (KnowledgePointers.Chunks(version) == 0)
            {
                return [];
            }

            var current = await generations.GetAsync(orgId, version!.ETag.ToString(), ct => LoadGenerationsAsync(counts, orgId, ct), cancellationToken).ConfigureAwait(false);
            var hits = await SearchCurrentAsync(orgId, queryText, queryVector, top, current, cancellationToken).ConfigureAwait(false);
            if (hits.Count >= top || attempt == MaxSearchAttempts)
            {
                return hits;
            }

            // Short: maybe a replace swapped and deleted the generation this search was filtering for. Search again at the new version.
            var now = await _pointers.ReadVersionAsync(counts, orgId, cancellationToken).ConfigureAwait(false);
            if (now?.ETag == version.ETag)
            {
                return hits;
            }

            version = now;
        }
    }

    private async Task<List<KnowledgeHit>> SearchCurrentAsync(OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int top, DocumentGenerations current, CancellationToken cancellationToken)
    {
        for (var size = top * 2; ; size = Math.Min(size * 4, MaxSearchSize))
        {
            var (hits, returned) = await SearchOnceAsync(orgId, queryText, queryVector, size, current, cancellationToken).ConfigureAwait(false);
            if (hits.Count >= top || returned < size || size == MaxSearchSize)
            {
                return [.. hits.Take(top)];
            }
        }
    }

    private async Task<(List<KnowledgeHit> Hits, int Returned)> SearchOnceAsync(OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int size, DocumentGenerations current, CancellationToken cancellationToken)
    {
        var options = new SearchOptions
        {
            Filter = SearchFilter.Create($"orgId eq {orgId.Value}"),
            Size = size,
            QueryType = SearchQueryType.Simple,
            SearchMode = SearchMode.Any,
        };
        if (!queryVector.IsEmpty)
        {
            options.VectorSearch = new VectorSearchOptions
            {
                Queries = { new VectorizedQuery(queryVector) { KNearestNeighborsCount = size, Fields = { "embedding" } } },
                FilterMode = VectorFilterMode.PreFilter,
            };
        }

        foreach (var field in new[] { "id", "orgId", "documentId", "chunk", "title", "content", "page", "section" })
        {
            options.Select.Add(field);
        }

        var response = await _search.SearchAsync<ChunkDocument>(queryText, options, cancellationToken).ConfigureAwait(false);
        var hits = new List<KnowledgeHit>(size);
        var returned = 0;
        await foreach (var result in response.Value.GetResultsAsync().ConfigureAwait(false))
        {
            var chunk = result.Document;
            if (chunk.OrgId != orgId.Value)
            {
                // The filter makes this impossible; refuse to pass on anything else regardless.
                throw new InvalidOperationException("The search index returned a chunk of another org.");
            }

            if (current.IsCurrent(chunk.DocumentId!, Generation(chunk.Id!)))
            {
                hits.Add(new KnowledgeHit(chunk.DocumentId!, chunk.Chunk, chunk.Title ?? string.Empty, chunk.Content ?? string.Empty, result.Score ?? 0, chunk.Page, chunk.Section));
            }

            if (++returned == size)
            {
                break;
            }
        }

        return (hits, returned);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        await EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        await DeleteOrgChunksAsync(orgId, cancellationToken).ConfigureAwait(false);
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        await counts.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A key AI Search accepts (letters, digits, '-', '_', '='): base64url of <c>{org}|{documentId}|{generation}|{chunk:D5}</c>
    /// (documents stored before generations existed: <c>{org}|{documentId}|{chunk:D5}</c>, generation empty).
    /// Unique per (org, document, generation, chunk), so the same document id in two orgs never shares a key.
    /// </summary>
    internal static string Key(OrgId orgId, string documentId, string generation, int chunk) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(generation.Length == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{orgId.Value}|{documentId}|{chunk:D5}")
            : string.Create(CultureInfo.InvariantCulture, $"{orgId.Value}|{documentId}|{generation}|{chunk:D5}")));

    /// <summary>The generation a key was written under (empty for a key of the earlier scheme).</summary>
    private static string Generation(string key)
    {
        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(key)).Split('|');
        return parts.Length == 4 ? parts[2] : string.Empty;
    }

    /// <summary>The documents from their pointer rows, each chunk by its key (point lookups: no query reaches another org's chunks).</summary>
    public async IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var counts = await tables.GetAsync(DocumentsTable, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var row in counts.QueryAsync<TableEntity>(filter, LookupPageSize, ["RowKey", GenerationProperty, ChunksProperty], cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == OrgRow || row.GetString(GenerationProperty) is not { } generation)
            {
                continue;
            }

            var chunks = new List<string>();
            ChunkDocument? first = null;
            for (var chunk = 0; chunk < (row.GetInt32(ChunksProperty) ?? 0); chunk++)
            {
                var stored = (await _search.GetDocumentAsync<ChunkDocument>(Key(orgId, row.RowKey, generation, chunk), cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                first ??= stored;
                chunks.Add(stored.Content ?? string.Empty);
            }

            yield return new ExportedDocument(row.RowKey, first?.Title ?? string.Empty, first?.Metadata, chunks);
        }
    }

    private async Task<DocumentGenerations> LoadGenerationsAsync(TableClient counts, OrgId orgId, CancellationToken cancellationToken)
    {
        var version = await _pointers.ReadVersionAsync(counts, orgId, cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var row in counts.QueryAsync<TableEntity>(filter, LookupPageSize, ["RowKey", GenerationProperty], cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey != OrgRow)
            {
                map[row.RowKey] = row.GetString(GenerationProperty) ?? string.Empty;
            }
        }

        return new DocumentGenerations(version?.ETag.ToString() ?? string.Empty, map);
    }

    /// <summary>Deletes a generation's chunks by key; keys already gone are no error.</summary>
    private async Task DeleteKeysAsync(OrgId orgId, string documentId, KnowledgePointer pointer, CancellationToken cancellationToken)
    {
        var keys = Enumerable.Range(0, pointer.Chunks).Select(chunk => new ChunkKey { Id = Key(orgId, documentId, pointer.Generation, chunk), OrgId = orgId.Value });
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

        [JsonPropertyName("page")]
        public int? Page { get; set; }

        [JsonPropertyName("section")]
        public string? Section { get; set; }

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
