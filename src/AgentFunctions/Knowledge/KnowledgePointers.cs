using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The write protocol both backends share, on a table partitioned by org: one version row per org
/// (<c>Chunks</c> = the org's chunk count; its ETag is the org's knowledge version) and one pointer row per document
/// (<c>Generation</c>, <c>Chunks</c>, and whatever else the backend keeps there). Every pointer change rewrites the
/// version row under If-Match in the same transaction, so writes to one org are serialized, the count is exact and
/// every change moves the version. Row keys: <paramref name="versionRow"/> (not a document id: those start with a
/// letter or digit), and the document id.
/// </summary>
internal sealed class KnowledgePointers(string versionRow, int maxChunks)
{
    public const string ChunksProperty = "Chunks";
    public const string GenerationProperty = "Generation";
    private const int MaxAttempts = 30;

    /// <summary>The org's version row (null when the org never had knowledge): one point read.</summary>
    public async Task<TableEntity?> ReadVersionAsync(TableClient table, OrgId orgId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, versionRow, [ChunksProperty], cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    public static async Task<KnowledgePointer?> ReadPointerAsync(TableClient table, OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, documentId, [ChunksProperty, GenerationProperty], cancellationToken).ConfigureAwait(false);
        return row.HasValue ? new KnowledgePointer(row.Value!.GetString(GenerationProperty) ?? string.Empty, row.Value.GetInt32(ChunksProperty) ?? 0) : null;
    }

    public async Task<KnowledgeStats> StatsAsync(TableClient table, OrgId orgId, string? documentId, CancellationToken cancellationToken)
    {
        if (documentId is not null)
        {
            KnowledgeArguments.DocumentId(documentId);
        }

        var version = ReadVersionAsync(table, orgId, cancellationToken);
        var document = documentId is null ? Task.FromResult<KnowledgePointer?>(null) : ReadPointerAsync(table, orgId, documentId, cancellationToken);
        return new KnowledgeStats(Chunks(await version.ConfigureAwait(false)), (await document.ConfigureAwait(false))?.Chunks ?? 0);
    }

    public static int Chunks(TableEntity? version) => version?.GetInt32(ChunksProperty) ?? 0;

    /// <summary>
    /// Points the document at <paramref name="pointer"/> (RowKey = the document id; null deletes the
    /// pointer), retried on conflict, and returns the pointer it displaced: null when the document had none (a delete
    /// then does nothing). Throws <see cref="KnowledgeLimitExceededException"/> when the org would grow past the limit.
    /// </summary>
    public async Task<KnowledgePointer?> SwapAsync(TableClient table, OrgId orgId, string documentId, TableEntity? pointer, CancellationToken cancellationToken)
    {
        var newChunks = pointer?.GetInt32(ChunksProperty) ?? 0;
        var change = pointer is null
            ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(orgId.Value, documentId), ETag.All)
            : new TableTransactionAction(TableTransactionActionType.UpsertReplace, pointer);
        for (var attempt = 1; ; attempt++)
        {
            // The version first, then the pointer: a change committed between the two reads moves the version, so this
            // attempt's If-Match fails; read the other way round (or in parallel) an old pointer could pass with a new version.
            var version = await ReadVersionAsync(table, orgId, cancellationToken).ConfigureAwait(false);
            var old = await ReadPointerAsync(table, orgId, documentId, cancellationToken).ConfigureAwait(false);
            if (pointer is null && old is null)
            {
                return null;
            }

            var total = Chunks(version) - (old?.Chunks ?? 0) + newChunks;
            if (total > maxChunks && newChunks > (old?.Chunks ?? 0))
            {
                throw new KnowledgeLimitExceededException(maxChunks, total);
            }

            var counter = new TableEntity(orgId.Value, versionRow) { [ChunksProperty] = total };
            var versionAction = version is null
                ? new TableTransactionAction(TableTransactionActionType.Add, counter)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, counter, version.ETag);
            try
            {
                await table.SubmitTransactionAsync([change, versionAction], cancellationToken).ConfigureAwait(false);
                return old;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && attempt < MaxAttempts)
            {
                // Another write to this org committed first (or the pointer went meanwhile): back off a little and re-read.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
