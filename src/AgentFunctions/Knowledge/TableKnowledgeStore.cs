using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Globalization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The embedded backend, two tables partitioned by org id (document ids start with a letter or digit and hold no
/// <c>|</c>, so each generation's chunks are one key range):
/// <list type="bullet">
/// <item><c>KnowledgePointers</c>: RowKey <c>!version</c> (<c>Chunks</c> = the org's chunk count; its ETag is the
/// org's knowledge version, moved by every change in the same transaction, see <see cref="KnowledgePointers"/>) and
/// RowKey = document id, the document's pointer (<c>Generation</c>, <c>Chunks</c>, <c>Title</c>, <c>Metadata</c>).</item>
/// <item><c>KnowledgeChunks</c>: RowKey <c>{documentId}|{generation}|{chunk:D5}</c>: <c>Chunk</c>, <c>Content</c>,
/// <c>Page</c> and <c>Section</c> (where it is in a file, when known) and,
/// when embedded, <c>Vector</c> (the unit-normalized embedding as little-endian float32 bytes).</item>
/// </list>
/// A replace writes the new chunks under a fresh generation (invisible: no pointer names it), then swaps the pointer and
/// the version in one transaction, then deletes the displaced generation: a search sees one version of a document or
/// the other, never a mix. Search reads <c>!version</c> (one point read of the small pointer table) and searches this
/// instance's <see cref="KnowledgeCache{T}"/> index of the org at that version, loading it (the org's pointers, then one
/// scan of its chunk partition, keeping each document's current generation) when it is missing or older. The query is
/// embedded during that read when the instance's cache last saw the org with knowledge, else once the read says it has
/// some; the lexical half of the search runs while the query is embedded. Changing this scheme is a breaking change
/// for stored data.
/// </summary>
internal sealed partial class TableKnowledgeStore(
    TableProvider tables,
    KnowledgeCache<KnowledgeIndex> cache,
    IOptions<KnowledgeOptions> options,
    ILogger<TableKnowledgeStore> logger) : IKnowledgeStore, IOrgDataOwner
{
    /// <summary>Offboarding removes every chunk of the org.</summary>
    public string Area => "knowledge";

    public const string TableName = "KnowledgeChunks";
    public const string PointersTable = "KnowledgePointers";
    public const string VersionRow = "!version";
    private const int MaxBatch = 100;
    private const int ScanPageSize = 1000;
    private const int MaxLoadAttempts = 10;

    private readonly KnowledgePointers _pointers = new(VersionRow, options.Value.MaxChunksPerOrg);

    public async Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(document.DocumentId);
        KnowledgeArguments.Chunks(chunks);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var generation = Identifiers.NewId();
        var rows = chunks.Select(chunk =>
        {
            var row = new TableEntity(orgId.Value, ChunkKey(document.DocumentId, generation, chunk.Number))
            {
                ["Chunk"] = chunk.Number,
                ["Content"] = chunk.Content,
                ["Page"] = chunk.Page,
                ["Section"] = chunk.Section,
            };
            if (!chunk.Embedding.IsEmpty)
            {
                row["Vector"] = VectorMath.ToBytes(VectorMath.Normalize(chunk.Embedding.Span));
            }

            return new TableTransactionAction(TableTransactionActionType.UpsertReplace, row);
        });
        await SubmitAsync(table, rows, cancellationToken).ConfigureAwait(false);

        var pointer = new TableEntity(orgId.Value, document.DocumentId)
        {
            [KnowledgePointers.GenerationProperty] = generation,
            [KnowledgePointers.ChunksProperty] = chunks.Count,
            ["Title"] = document.Title,
            ["Metadata"] = document.Metadata,
        };
        KnowledgePointer? displaced;
        try
        {
            var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);
            displaced = await _pointers.SwapAsync(pointers, orgId, document.DocumentId, pointer, cancellationToken).ConfigureAwait(false);
        }
        catch (KnowledgeLimitExceededException)
        {
            await DeleteGenerationAsync(table, orgId, document.DocumentId, generation, cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (displaced is { } old)
        {
            await DeleteGenerationAsync(table, orgId, document.DocumentId, old.Generation, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(documentId);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);
        if (await _pointers.SwapAsync(pointers, orgId, documentId, null, cancellationToken).ConfigureAwait(false) is not { } old)
        {
            return false;
        }

        await DeleteGenerationAsync(table, orgId, documentId, old.Generation, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> queryVector, int top, CancellationToken cancellationToken)
    {
        KnowledgeArguments.Top(top);
        var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);

        // An org this instance last found with knowledge has its query embedded at once, while its version is read;
        // any other org only once its version says it has chunks (an org without knowledge costs no embedding call).
        var vector = cache.Peek(orgId) is { Count: > 0 } ? queryVector(cancellationToken) : null;
        TableEntity? version;
        try
        {
            version = await _pointers.ReadVersionAsync(pointers, orgId, cancellationToken).ConfigureAwait(false);
        }
        catch when (vector is not null)
        {
            await ((Task)vector).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // its tokens are metered before the failure surfaces
            throw;
        }

        if (KnowledgePointers.Chunks(version) == 0)
        {
            // Its knowledge was all deleted since: the call already made is waited out (and metered by the caller),
            // and the next search embeds nothing.
            cache.Forget(orgId);
            if (vector is not null)
            {
                await ((Task)vector).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return [];
        }

        // The query is embedded while the index is found (or loaded) and its lexical half computed: after the
        // embedding returns, only the vector scan and the fusion remain.
        vector ??= queryVector(cancellationToken);
        var index = await cache.GetAsync(orgId, version!.ETag.ToString(), ct => LoadAsync(pointers, orgId, ct), cancellationToken).ConfigureAwait(false);
        var lexical = index.Lexical(queryText);
        return index.Search(lexical, await vector.ConfigureAwait(false), top);
    }

    public async Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken)
    {
        var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);
        return await _pointers.StatsAsync(pointers, orgId, documentId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The pointers first: from then on searches find nothing, whatever chunks a re-run still has to delete.</summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);
        await pointers.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pointers = await tables.GetAsync(PointersTable, cancellationToken).ConfigureAwait(false);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var pointer in pointers.QueryAsync<TableEntity>(filter, ScanPageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (pointer.RowKey == VersionRow || pointer.GetString(KnowledgePointers.GenerationProperty) is not { } generation)
            {
                continue;
            }

            // One generation's chunks: [{doc}|{gen}|00000, {doc}|{gen}|:) — ':' sorts after the digits.
            var range = TableClient.CreateQueryFilter(
                $"PartitionKey eq {orgId.Value} and RowKey ge {ChunkKey(pointer.RowKey, generation, 0)} and RowKey lt {pointer.RowKey + "|" + generation + "|:"}");
            var chunks = await table.QueryAsync<TableEntity>(range, ScanPageSize, ["Content"], cancellationToken)
                .Select(row => row.GetString("Content") ?? string.Empty).ToListAsync(cancellationToken).ConfigureAwait(false);
            yield return new ExportedDocument(pointer.RowKey, pointer.GetString("Title") ?? string.Empty, pointer.GetString("Metadata"), chunks);
        }
    }

    internal static string ChunkKey(string documentId, string generation, int chunk) =>
        string.Create(CultureInfo.InvariantCulture, $"{documentId}|{generation}|{chunk:D5}");

    /// <summary>
    /// Reads the org's index: the version first, then the pointers, then the chunk partition, keeping only each
    /// document's current generation. A document whose chunks are incomplete was replaced during the scan (its old
    /// generation deleted under it): read again. The index carries the version read first, so a write during the load
    /// only makes the next search reload.
    /// </summary>
    private async Task<KnowledgeIndex> LoadAsync(TableClient pointers, OrgId orgId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        for (var attempt = 1; ; attempt++)
        {
            if (await _pointers.ReadVersionAsync(pointers, orgId, cancellationToken).ConfigureAwait(false) is not { } version)
            {
                return KnowledgeIndex.Build(string.Empty, [], []);
            }

            var documents = new Dictionary<string, (string Generation, int Chunks, string Title, int Seen)>(StringComparer.Ordinal);
            await foreach (var row in pointers.QueryAsync<TableEntity>(filter, ScanPageSize, ["RowKey", KnowledgePointers.GenerationProperty, KnowledgePointers.ChunksProperty, "Title"], cancellationToken).ConfigureAwait(false))
            {
                if (row.RowKey != VersionRow)
                {
                    documents[row.RowKey] = (row.GetString(KnowledgePointers.GenerationProperty), row.GetInt32(KnowledgePointers.ChunksProperty) ?? 0, row.GetString("Title") ?? string.Empty, 0);
                }
            }

            var chunks = new List<IndexedChunk>(KnowledgePointers.Chunks(version));
            var vectors = new List<ReadOnlyMemory<float>>(chunks.Capacity);
            await foreach (var row in table.QueryAsync<TableEntity>(filter, ScanPageSize, ["RowKey", "Chunk", "Content", "Page", "Section", "Vector"], cancellationToken).ConfigureAwait(false))
            {
                var parts = row.RowKey.Split('|');
                if (parts.Length != 3 || !documents.TryGetValue(parts[0], out var document) || document.Generation != parts[1])
                {
                    continue; // a generation being written, or being deleted
                }

                documents[parts[0]] = document with { Seen = document.Seen + 1 };
                chunks.Add(new IndexedChunk(parts[0], row.GetInt32("Chunk") ?? 0, document.Title, row.GetString("Content") ?? string.Empty, row.GetInt32("Page"), row.GetString("Section")));
                vectors.Add(row.GetBinary("Vector") is { } bytes ? VectorMath.FromBytes(bytes).ToArray() : ReadOnlyMemory<float>.Empty);
            }

            if (documents.Values.All(d => d.Seen == d.Chunks) || attempt == MaxLoadAttempts)
            {
                var index = KnowledgeIndex.Build(version.ETag.ToString(), chunks, vectors);
                var loadMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogIndexLoaded(logger, orgId.Value, index.Count, index.Bytes / 1024, attempt, loadMs);
                return index;
            }
        }
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information,
        Message = "Loaded the knowledge index of org {OrgId}: {ChunkCount} chunks, {IndexKilobytes} KiB, {Attempts} scan(s), {LoadMs} ms")]
    private static partial void LogIndexLoaded(ILogger logger, string orgId, int chunkCount, long indexKilobytes, int attempts, long loadMs);

    private static async Task DeleteGenerationAsync(TableClient table, OrgId orgId, string documentId, string generation, CancellationToken cancellationToken)
    {
        // '}' is the character after '|': [id|gen|, id|gen}) is exactly this generation's chunks.
        var from = $"{documentId}|{generation}|";
        var to = $"{documentId}|{generation}}}";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        var keys = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, ScanPageSize, ["RowKey"], cancellationToken).ConfigureAwait(false))
        {
            keys.Add(entity.RowKey);
        }

        await SubmitAsync(table, keys.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(orgId.Value, key), ETag.All)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Transactions of at most 100 actions (all in the org's partition); a delete of a row already gone is fine.</summary>
    private static async Task SubmitAsync(TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        foreach (var batch in actions.Chunk(MaxBatch))
        {
            try
            {
                await table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Someone else deleted part of it meanwhile (offboarding): delete the rest one by one.
                foreach (var action in batch.Where(a => a.ActionType == TableTransactionActionType.Delete))
                {
                    await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

}
