using System.Globalization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The embedded backend: Table <c>KnowledgeChunks</c>, PartitionKey = org id, RowKey =
/// <c>{documentId}|{chunk:D5}</c> (document ids cannot contain <c>|</c>, so a document's chunks are
/// one contiguous key range). Properties: DocumentId, Chunk, Title, Content, Metadata (JSON) and
/// Vector (the unit-normalized embedding as little-endian float32 bytes). Changing this scheme is a
/// breaking change for stored data.
/// Search is an exact cosine scan of the org's partition only (RowKey and Vector selected, a top-k
/// heap kept while streaming), then point reads of the k winners. Cost is linear in the org's chunk
/// count; other orgs' partitions are never read.
/// </summary>
internal sealed class TableKnowledgeStore(TableProvider tables) : IKnowledgeStore, IOrgDataOwner
{
    /// <summary>Offboarding removes every chunk of the org.</summary>
    public string Area => "knowledge";

    public const string TableName = "KnowledgeChunks";
    private const int MaxBatch = 100;
    private const int ScanPageSize = 1000;

    public async Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(document.DocumentId);
        KnowledgeArguments.Chunks(chunks);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var existing = await DocumentRowKeysAsync(table, orgId, document.DocumentId, cancellationToken).ConfigureAwait(false);

        var upserts = chunks.Select(chunk => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(orgId.Value, RowKey(document.DocumentId, chunk.Number))
        {
            ["DocumentId"] = document.DocumentId,
            ["Chunk"] = chunk.Number,
            ["Title"] = document.Title,
            ["Content"] = chunk.Content,
            ["Metadata"] = document.Metadata,
            ["Vector"] = VectorMath.ToBytes(VectorMath.Normalize(chunk.Embedding.Span)),
        }));
        await SubmitAsync(table, upserts, cancellationToken).ConfigureAwait(false);

        var stale = existing.Where(rowKey => ChunkNumber(rowKey) >= chunks.Count);
        await SubmitAsync(table, stale.Select(rowKey => Delete(orgId, rowKey)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        KnowledgeArguments.DocumentId(documentId);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var existing = await DocumentRowKeysAsync(table, orgId, documentId, cancellationToken).ConfigureAwait(false);
        await SubmitAsync(table, existing.Select(rowKey => Delete(orgId, rowKey)), cancellationToken).ConfigureAwait(false);
        return existing.Count > 0;
    }

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, ReadOnlyMemory<float> queryVector, int top, CancellationToken cancellationToken)
    {
        KnowledgeArguments.Top(top);
        var query = VectorMath.Normalize(queryVector.Span);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);

        // Min-heap of the best k so far: the root is the weakest winner, replaced when beaten.
        var best = new PriorityQueue<string, float>(top + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, ScanPageSize, ["RowKey", "Vector"], cancellationToken).ConfigureAwait(false))
        {
            if (entity.GetBinary("Vector") is not { } bytes || bytes.Length != query.Length * sizeof(float))
            {
                continue; // written with another embedding model: not comparable
            }

            var score = VectorMath.Dot(query, VectorMath.FromBytes(bytes));
            if (best.Count < top)
            {
                best.Enqueue(entity.RowKey, score);
            }
            else if (best.TryPeek(out _, out var weakest) && score > weakest)
            {
                best.DequeueEnqueue(entity.RowKey, score);
            }
        }

        var winners = new List<(string RowKey, float Score)>(best.Count);
        while (best.TryDequeue(out var rowKey, out var score))
        {
            winners.Add((rowKey, score));
        }

        winners.Reverse();
        var reads = winners.Select(async winner =>
        {
            var read = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, winner.RowKey, ["DocumentId", "Chunk", "Title", "Content"], cancellationToken).ConfigureAwait(false);
            return read is { HasValue: true, Value: { } row }
                ? new KnowledgeHit(row.GetString("DocumentId"), row.GetInt32("Chunk") ?? 0, row.GetString("Title"), row.GetString("Content"), winner.Score)
                : null; // deleted since the scan
        });
        var hits = await Task.WhenAll(reads).ConfigureAwait(false);
        return hits.OfType<KnowledgeHit>().ToList();
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    internal static string RowKey(string documentId, int chunk) =>
        string.Create(CultureInfo.InvariantCulture, $"{documentId}|{chunk:D5}");

    private static int ChunkNumber(string rowKey) =>
        int.Parse(rowKey.AsSpan(rowKey.LastIndexOf('|') + 1), NumberStyles.None, CultureInfo.InvariantCulture);

    private static TableTransactionAction Delete(OrgId orgId, string rowKey) =>
        new(TableTransactionActionType.Delete, new TableEntity(orgId.Value, rowKey), ETag.All);

    private static async Task<List<string>> DocumentRowKeysAsync(TableClient table, OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        // '}' is the character after '|': [id|, id}) is exactly this document's chunks.
        var from = $"{documentId}|";
        var to = $"{documentId}}}";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        var rowKeys = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, ScanPageSize, ["RowKey"], cancellationToken).ConfigureAwait(false))
        {
            rowKeys.Add(entity.RowKey);
        }

        return rowKeys;
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
                // Someone else deleted part of it meanwhile: delete the rest one by one.
                foreach (var action in batch.Where(a => a.ActionType == TableTransactionActionType.Delete))
                {
                    await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
