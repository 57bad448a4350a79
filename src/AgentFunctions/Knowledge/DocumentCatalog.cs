using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Every document of every org with its status, on both backends: table <c>KnowledgeDocumentStatus</c>, PartitionKey =
/// org id, RowKey = document id; <c>Title</c>, <c>Status</c>, <c>Chunks</c>, <c>Error</c>, <c>UpdatedAt</c> and, while a
/// large upload is staged, <c>UploadId</c>, <c>Format</c>, <c>FileName</c>, <c>PendingTitle</c>, <c>PendingMetadata</c>.
/// The background ingestion completes (or fails) an upload only while the row still names it, under If-Match, so a newer
/// upload or a delete always wins over an older one still running. Changing this scheme is a breaking change for stored data.
/// </summary>
internal sealed class DocumentCatalog(TableProvider tables, TimeProvider time) : IOrgDataOwner
{
    public const string TableName = "KnowledgeDocumentStatus";

    public string Area => "knowledge documents";

    public async Task<DocumentRecord?> GetAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(documentId, "documentId");
        var row = await ReadAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToRecord(row);
    }

    /// <summary>A page of the org's documents in id order, after <paramref name="afterId"/>; <c>More</c> when another page exists.</summary>
    public async Task<(IReadOnlyList<DocumentRecord> Items, bool More)> ListAsync(OrgId orgId, int limit, string? afterId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = afterId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {afterId}");
        var items = new List<DocumentRecord>(limit);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == limit)
            {
                return (items, true);
            }

            items.Add(ToRecord(row));
        }

        return (items, false);
    }

    /// <summary>The document's current version was stored (synchronously, or by its background ingestion).</summary>
    public async Task MarkReadyAsync(OrgId orgId, string documentId, string title, int chunks, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(Row(orgId, documentId, title, DocumentStatus.Ready, chunks, null), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An upload was staged: the row names it (the searchable version's title and chunks stay as they were).</summary>
    public async Task MarkProcessingAsync(OrgId orgId, string documentId, PendingUpload upload, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        var row = Row(orgId, documentId, current?.GetString("Title"), DocumentStatus.Processing, current?.GetInt32("Chunks") ?? 0, null);
        row["UploadId"] = upload.UploadId;
        row["Format"] = upload.Format.ToString();
        row["FileName"] = upload.FileName;
        row["PendingTitle"] = upload.Title;
        row["PendingMetadata"] = upload.Metadata;
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the staged upload <paramref name="uploadId"/> as ready or failed; false (nothing written) when the row no longer names it.</summary>
    public async Task<bool> FinishAsync(OrgId orgId, string documentId, string uploadId, (string Title, int Chunks)? stored, string? error, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.GetString("UploadId") != uploadId)
        {
            return false;
        }

        var row = stored is { } s
            ? Row(orgId, documentId, s.Title, DocumentStatus.Ready, s.Chunks, null)
            : Row(orgId, documentId, current.GetString("Title"), DocumentStatus.Failed, current.GetInt32("Chunks") ?? 0, error);
        try
        {
            await table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false; // a newer upload or a delete came meanwhile: it decides
        }
    }

    /// <summary>Removes the row; the pending upload it named (to delete its blob), or null. False when there was no row.</summary>
    public async Task<(bool Existed, PendingUpload? Pending)> DeleteAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return (false, null);
        }

        await table.DeleteEntityAsync(orgId.Value, documentId, ETag.All, cancellationToken).ConfigureAwait(false);
        return (true, ToRecord(current).Pending);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TableEntity?> ReadAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, documentId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private TableEntity Row(OrgId orgId, string documentId, string? title, string status, int chunks, string? error) => new(orgId.Value, documentId)
    {
        ["Title"] = title,
        ["Status"] = status,
        ["Chunks"] = chunks,
        ["Error"] = error,
        ["UpdatedAt"] = time.GetUtcNow(),
    };

    private static DocumentRecord ToRecord(TableEntity row)
    {
        var pending = row.GetString("UploadId") is { } uploadId && Enum.TryParse<FileFormat>(row.GetString("Format"), out var format)
            ? new PendingUpload(uploadId, format, row.GetString("FileName"), row.GetString("PendingTitle"), row.GetString("PendingMetadata"))
            : null;
        return new DocumentRecord(row.RowKey, row.GetString("Title"), row.GetString("Status") ?? DocumentStatus.Ready, row.GetInt32("Chunks") ?? 0, row.GetString("Error"), row.GetDateTimeOffset("UpdatedAt") ?? row.Timestamp ?? default, pending);
    }
}
