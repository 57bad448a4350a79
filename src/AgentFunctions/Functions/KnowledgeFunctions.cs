using AgentFunctions.Http;
using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Functions;

/// <summary>docs/api.md, "Knowledge": this org's documents, search over them, and the background ingestion of large files.</summary>
internal sealed partial class KnowledgeFunctions(
    KnowledgeService knowledge,
    KnowledgeDocuments documents,
    IDeadLetters deadLetters,
    IOptions<KnowledgeOptions> options,
    ILogger<KnowledgeFunctions> logger)
{
    // Room for the largest accepted content even when every character is JSON-escaped (\uXXXX), plus title and metadata.
    private int MaxDocumentBodyBytes => (options.Value.MaxDocumentCharacters * 6) + RequestBody.DefaultMaxBytes;

    /// <summary>JSON, or a file (multipart or raw body); a large file answers 202 and is ingested by <see cref="IngestDocument"/>.</summary>
    [Function(nameof(PutDocument))]
    public async Task<IActionResult> PutDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        if (DocumentUploadReader.IsJson(request))
        {
            var body = await RequestBody.ReadJsonAsync<PutDocumentRequest>(request, cancellationToken, MaxDocumentBodyBytes).ConfigureAwait(false);
            return new OkObjectResult(await documents.PutJsonAsync(context.GetOrgId(), documentId, body, cancellationToken).ConfigureAwait(false));
        }

        var upload = await DocumentUploadReader.ReadAsync(request, options.Value.MaxUploadBytes, cancellationToken).ConfigureAwait(false);
        var outcome = await documents.PutFileAsync(context.GetOrgId(), documentId, upload, cancellationToken).ConfigureAwait(false);
        return outcome is DocumentAccepted accepted ? new AcceptedResult(accepted.StatusUrl, accepted) : new OkObjectResult(outcome);
    }

    [Function(nameof(GetDocument))]
    public async Task<IActionResult> GetDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new JsonResult(await documents.GetAsync(context.GetOrgId(), documentId, cancellationToken).ConfigureAwait(false), ApiJson.Options);

    [Function(nameof(ListDocuments))]
    public async Task<IActionResult> ListDocuments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "documents")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var limit = QueryLimit.Parse(request, KnowledgeDocuments.DefaultListLimit, KnowledgeDocuments.MaxListLimit);
        var cursor = request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        return new JsonResult(await documents.ListAsync(context.GetOrgId(), limit, cursor, cancellationToken).ConfigureAwait(false), ApiJson.Options);
    }

    [Function(nameof(DeleteDocument))]
    public async Task<IActionResult> DeleteDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        await documents.DeleteAsync(context.GetOrgId(), documentId, cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    [Function(nameof(Search))]
    public async Task<IActionResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "search")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<SearchRequest>(request, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(await knowledge.SearchAsync(context.GetOrgId(), body, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Ingests a staged large file. The org comes from the message through the org middleware; a failed attempt (model or
    /// storage unavailable) throws, so the host redelivers and finally poisons the message.
    /// </summary>
    [Function(nameof(IngestDocument))]
    public async Task IngestDocument(
        [QueueTrigger(DocumentIngestionQueue.Name, Connection = "AzureWebJobsStorage")] string message,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        if (!DocumentIngestionQueue.TryRead(message, out var documentId, out var uploadId))
        {
            LogBadMessage(logger, context.GetOrgId().Value, DocumentIngestionQueue.Name);
            await deadLetters.MoveAsync(DocumentIngestionQueue.Name, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        await documents.IngestAsync(context.GetOrgId(), documentId, uploadId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The host gave up on an ingestion: the document is marked failed (its earlier version stays searchable). Without
    /// the org middleware, as <see cref="JobFunctions.FailPoisonedJob"/> and for the same reason (the org may be disabled
    /// by now); the org is read from the message with the same format rules and only that org's row is touched. An
    /// unreadable message moves on to <c>knowledge-ingestion-poison-poison</c>, which nothing reads.
    /// </summary>
    [Function(nameof(FailPoisonedIngestion))]
    [WithoutOrg]
    public async Task FailPoisonedIngestion(
        [QueueTrigger(DocumentIngestionQueue.PoisonName, Connection = "AzureWebJobsStorage")] string message,
        CancellationToken cancellationToken)
    {
        if (!QueueMessageOrg.TryRead(message, out var orgId) || !DocumentIngestionQueue.TryRead(message, out var documentId, out var uploadId))
        {
            LogBadMessage(logger, string.Empty, DocumentIngestionQueue.PoisonName);
            await deadLetters.MoveAsync(DocumentIngestionQueue.PoisonName, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        await documents.FailPoisonedAsync(orgId, documentId, uploadId, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2320, Level = LogLevel.Warning, Message = "A message of queue {QueueName} for org {OrgId} names no valid document and upload; moved to its poison queue")]
    private static partial void LogBadMessage(ILogger logger, string orgId, string queueName);
}
