using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The org's documents as the API sees them: each PUT, GET, list and DELETE, and the background ingestion of large
/// files. A file above <c>Knowledge__AsyncThresholdBytes</c> is validated, staged in Blob Storage
/// (<see cref="DocumentUploads"/>), recorded as <c>processing</c> (<see cref="DocumentCatalog"/>) and queued
/// (<see cref="DocumentIngestionQueue"/>); the queue-triggered ingestion replaces the document atomically (the earlier
/// version stays searchable until then, and after a failure) and records <c>ready</c> or <c>failed</c> with the error.
/// </summary>
internal sealed partial class KnowledgeDocuments(
    KnowledgeService knowledge,
    DocumentCatalog catalog,
    DocumentUploads uploads,
    DocumentIngestionQueue queue,
    IOptions<KnowledgeOptions> options,
    ILogger<KnowledgeDocuments> logger)
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 100;

    public async Task<PutDocumentResult> PutJsonAsync(OrgId orgId, string documentId, PutDocumentRequest? request, CancellationToken cancellationToken)
    {
        var result = await knowledge.PutDocumentAsync(orgId, documentId, request, cancellationToken).ConfigureAwait(false);
        await catalog.MarkReadyAsync(orgId, documentId, result.Title, result.Chunks, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>A small file is ingested at once (<see cref="PutDocumentResult"/>); a large one is staged and queued (<see cref="DocumentAccepted"/>).</summary>
    public async Task<object> PutFileAsync(OrgId orgId, string documentId, DocumentUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        if (upload.Content.Length <= options.Value.AsyncThresholdBytes)
        {
            var result = await knowledge.PutFileAsync(orgId, documentId, upload, cancellationToken).ConfigureAwait(false);
            await catalog.MarkReadyAsync(orgId, documentId, result.Title, result.Chunks, cancellationToken).ConfigureAwait(false);
            return result;
        }

        var metadata = KnowledgeService.ValidateUpload(documentId, upload);
        var pending = new PendingUpload(Identifiers.NewId(), upload.Format, upload.FileName, upload.Title, metadata);
        await uploads.StageAsync(orgId, documentId, pending.UploadId, upload.Content, cancellationToken).ConfigureAwait(false);
        await catalog.MarkProcessingAsync(orgId, documentId, pending, cancellationToken).ConfigureAwait(false);
        try
        {
            await queue.EnqueueAsync(orgId, documentId, pending.UploadId, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            LogQueueFailed(logger, e, orgId.Value, documentId);
            await FinishFailedAsync(orgId, documentId, pending.UploadId, "queue_unavailable: the upload could not be queued; upload it again.", CancellationToken.None).ConfigureAwait(false);
            throw new ApiException(503, ErrorCodes.QueueUnavailable, "The document could not be queued for ingestion; nothing changed. Upload it again.", TimeSpan.FromSeconds(5));
        }

        LogStaged(logger, orgId.Value, documentId, upload.Content.Length);
        return new DocumentAccepted(documentId, DocumentStatus.Processing, StatusUrl(documentId));
    }

    public async Task<DocumentView> GetAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(documentId, "documentId");
        var record = await catalog.GetAsync(orgId, documentId, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound("The document");
        return DocumentView.From(record);
    }

    public async Task<DocumentList> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var after = cursor is null ? null : DecodeCursor(cursor);
        var (items, more) = await catalog.ListAsync(orgId, limit, after, cancellationToken).ConfigureAwait(false);
        return new DocumentList([.. items.Select(DocumentView.From)], more ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(items[^1].DocumentId)) : null);
    }

    /// <summary>Removes the document (its chunks, its row, a staged upload); 404 when this org has none of them.</summary>
    public async Task DeleteAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(documentId, "documentId");
        var (listed, pending) = await catalog.DeleteAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        if (pending is not null)
        {
            await uploads.DeleteAsync(orgId, documentId, pending.UploadId, cancellationToken).ConfigureAwait(false);
        }

        if (!await knowledge.DeleteDocumentAsync(orgId, documentId, cancellationToken).ConfigureAwait(false) && !listed)
        {
            throw ApiException.NotFound("The document");
        }
    }

    /// <summary>
    /// The queue's ingestion of a staged upload. Superseded (a newer upload or a delete came since): nothing happens. A
    /// file that cannot be ingested (unreadable, over a limit, over quota) ends <c>failed</c> at once; anything else
    /// (model or storage unavailable) throws, so the host retries and finally moves the message to the poison queue.
    /// </summary>
    public async Task IngestAsync(OrgId orgId, string documentId, string uploadId, CancellationToken cancellationToken)
    {
        var record = await catalog.GetAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        if (record?.Pending is not { } pending || pending.UploadId != uploadId)
        {
            LogSuperseded(logger, orgId.Value, documentId);
            await uploads.DeleteAsync(orgId, documentId, uploadId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await uploads.ReadAsync(orgId, documentId, uploadId, cancellationToken).ConfigureAwait(false) is not { } content)
        {
            await FinishFailedAsync(orgId, documentId, uploadId, "internal: the staged upload is gone; upload the file again.", cancellationToken).ConfigureAwait(false);
            return;
        }

        using var metadata = pending.Metadata is null ? null : JsonDocument.Parse(pending.Metadata);
        PutDocumentResult result;
        try
        {
            result = await knowledge.PutFileAsync(orgId, documentId, new DocumentUpload(pending.Format, content, pending.FileName, pending.Title, metadata?.RootElement), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Status is 400 or 413 or 415 or 422 or 429)
        {
            await FinishFailedAsync(orgId, documentId, uploadId, $"{e.Code}: {e.Message}", cancellationToken).ConfigureAwait(false);
            return;
        }

        await catalog.FinishAsync(orgId, documentId, uploadId, (result.Title, result.Chunks), null, cancellationToken).ConfigureAwait(false);
        await uploads.DeleteAsync(orgId, documentId, uploadId, cancellationToken).ConfigureAwait(false);
        LogIngested(logger, orgId.Value, documentId, result.Chunks);
    }

    /// <summary>The host gave up on an ingestion (its last attempt failed): the document is marked failed, the earlier version kept.</summary>
    public Task FailPoisonedAsync(OrgId orgId, string documentId, string uploadId, CancellationToken cancellationToken) =>
        FinishFailedAsync(orgId, documentId, uploadId, "model_unavailable: ingestion failed after every retry (the embedding model or storage was unavailable); upload the file again.", cancellationToken);

    public static string StatusUrl(string documentId) => $"/api/documents/{documentId}";

    private async Task FinishFailedAsync(OrgId orgId, string documentId, string uploadId, string error, CancellationToken cancellationToken)
    {
        await catalog.FinishAsync(orgId, documentId, uploadId, null, error, cancellationToken).ConfigureAwait(false);
        await uploads.DeleteAsync(orgId, documentId, uploadId, cancellationToken).ConfigureAwait(false);
        LogIngestionFailed(logger, orgId.Value, documentId, error);
    }

    private static string DecodeCursor(string cursor)
    {
        try
        {
            var id = cursor.Length <= 4 * Identifiers.ResourceIdMaxLength ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)) : null;
            if (Identifiers.IsResourceId(id))
            {
                return id;
            }
        }
        catch (FormatException)
        {
        }

        throw ApiException.InvalidRequest("cursor", "is not a cursor this list issued.");
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Staged a {Bytes}-byte upload of document {DocumentId} of org {OrgId} for background ingestion")]
    private static partial void LogStaged(ILogger logger, string orgId, string documentId, int bytes);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Ingested the staged upload of document {DocumentId} of org {OrgId} as {ChunkCount} chunks")]
    private static partial void LogIngested(ILogger logger, string orgId, string documentId, int chunkCount);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Warning, Message = "The staged upload of document {DocumentId} of org {OrgId} failed: {Error}")]
    private static partial void LogIngestionFailed(ILogger logger, string orgId, string documentId, string error);

    [LoggerMessage(EventId = 2033, Level = LogLevel.Information, Message = "A staged upload of document {DocumentId} of org {OrgId} was superseded; skipped")]
    private static partial void LogSuperseded(ILogger logger, string orgId, string documentId);

    [LoggerMessage(EventId = 2034, Level = LogLevel.Error, Message = "The upload of document {DocumentId} of org {OrgId} could not be queued")]
    private static partial void LogQueueFailed(ILogger logger, Exception exception, string orgId, string documentId);
}
