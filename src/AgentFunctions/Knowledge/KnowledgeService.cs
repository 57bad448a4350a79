using System.ClientModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Ingestion (validate → chunk → check the org's chunk limit and token quota → embed in batches → replace in the
/// store) and search (check the quota → embed the query → org-filtered store search) for one org at a time. Input is
/// validated before any I/O. With no embedding model configured, nothing is embedded: chunks are stored without
/// vectors and search is lexical. Embedding tokens count against the org's <c>tokensPerDay</c> (usage kind
/// <c>embeddingTokens</c>).
/// </summary>
internal sealed partial class KnowledgeService(
    IKnowledgeStore store,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    IModelAvailability models,
    IUsageMeter usage,
    IOptions<KnowledgeOptions> options,
    ILogger<KnowledgeService> logger)
{
    public const int MaxTitleLength = 512;
    public const int MaxMetadataLength = 8192;
    public const int MaxQueryLength = 4000;
    public const int DefaultTop = 5;

    private readonly KnowledgeOptions _options = options.Value;

    public async Task<PutDocumentResult> PutDocumentAsync(OrgId orgId, string documentId, PutDocumentRequest? request, CancellationToken cancellationToken)
    {
        var document = Validate(documentId, request);
        return await IngestAsync(orgId, document, [new DocumentSection(request!.Content!, null, null)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A document sent as a file: its text read by format (422 naming the problem when it cannot be), chunked per
    /// page or heading so each chunk says where it is, then ingested as <see cref="PutDocumentAsync"/> does.
    /// </summary>
    public async Task<PutDocumentResult> PutFileAsync(OrgId orgId, string documentId, DocumentUpload upload, CancellationToken cancellationToken)
    {
        var metadata = ValidateUpload(documentId, upload);
        ExtractedDocument extracted;
        try
        {
            extracted = DocumentExtractor.Extract(upload.Format, upload.Content);
        }
        catch (DocumentUnreadableException e)
        {
            throw ApiException.UnreadableDocument(e.Message);
        }

        if (extracted.Characters > _options.MaxDocumentCharacters)
        {
            throw ApiException.PayloadTooLarge($"The document's text is longer than {_options.MaxDocumentCharacters} characters (Knowledge__MaxDocumentCharacters).");
        }

        var title = upload.Title ?? extracted.Title ?? upload.FileName ?? documentId;
        var document = new KnowledgeDocument(documentId, title.Length > MaxTitleLength ? title[..MaxTitleLength] : title, metadata);
        return await IngestAsync(orgId, document, extracted.Sections, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks what a file's PUT says besides the file (id, title, metadata), before any I/O; the metadata as compact JSON.</summary>
    public static string? ValidateUpload(string documentId, DocumentUpload upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ValidateDocumentId(documentId);
        if (upload.Title is not null)
        {
            ValidateTitle(upload.Title);
        }

        return ValidateMetadata(upload.Metadata);
    }

    private async Task<PutDocumentResult> IngestAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<DocumentSection> sections, CancellationToken cancellationToken)
    {
        var documentId = document.DocumentId;
        var chunkTexts = sections
            .SelectMany(section => Chunker.Split(section.Text, _options.ChunkSize, _options.ChunkOverlap).Select(text => (Text: text, section.Page, section.Section)))
            .ToList();
        var stats = await store.GetStatsAsync(orgId, documentId, cancellationToken).ConfigureAwait(false);
        if (stats.OrgChunks - stats.DocumentChunks + chunkTexts.Count > _options.MaxChunksPerOrg && chunkTexts.Count > stats.DocumentChunks)
        {
            throw TooManyChunks(stats.OrgChunks - stats.DocumentChunks + chunkTexts.Count);
        }

        var chunks = new List<KnowledgeChunk>(chunkTexts.Count);
        if (models.HasEmbeddingModel)
        {
            await usage.EnsureWithinQuotaAsync(orgId, cancellationToken).ConfigureAwait(false);
        }

        foreach (var batch in chunkTexts.Chunk(_options.EmbeddingBatchSize))
        {
            // The title (and heading path) goes into each chunk's embedding so a chunk is found by what its document is about.
            var vectors = models.HasEmbeddingModel
                ? await EmbedAsync(orgId, batch.Select(chunk => chunk.Section is null ? $"{document.Title}\n\n{chunk.Text}" : $"{document.Title}{SectionWriter.PathSeparator}{chunk.Section}\n\n{chunk.Text}").ToList(), cancellationToken).ConfigureAwait(false)
                : new ReadOnlyMemory<float>[batch.Length];
            for (var i = 0; i < batch.Length; i++)
            {
                chunks.Add(new KnowledgeChunk(chunks.Count, batch[i].Text, vectors[i], batch[i].Page, batch[i].Section));
            }
        }

        try
        {
            await store.ReplaceDocumentAsync(orgId, document, chunks, cancellationToken).ConfigureAwait(false);
        }
        catch (KnowledgeLimitExceededException e)
        {
            throw TooManyChunks(e.WouldHold);
        }

        LogDocumentStored(logger, orgId.Value, documentId, chunks.Count);
        return new PutDocumentResult(documentId, chunks.Count, document.Title, DocumentStatus.Ready);
    }

    /// <summary>Removes the document's chunks in this org; false when it had none here (whether or not another org has one with that id).</summary>
    public async Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken)
    {
        ValidateDocumentId(documentId);
        if (!await store.DeleteDocumentAsync(orgId, documentId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LogDocumentDeleted(logger, orgId.Value, documentId);
        return true;
    }

    public async Task<SearchResponse> SearchAsync(OrgId orgId, SearchRequest? request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Query))
        {
            throw ApiException.InvalidRequest("query", "is required and must not be empty.");
        }

        if (request.Query.Length > MaxQueryLength)
        {
            throw ApiException.InvalidRequest("query", $"must be at most {MaxQueryLength} characters.");
        }

        var top = request.Top ?? DefaultTop;
        if (top is < 1 or > KnowledgeArguments.MaxTop)
        {
            throw ApiException.InvalidRequest("top", $"must be between 1 and {KnowledgeArguments.MaxTop}.");
        }

        if (models.HasEmbeddingModel)
        {
            await usage.EnsureWithinQuotaAsync(orgId, cancellationToken).ConfigureAwait(false);
        }

        var hits = await RetrieveAsync(orgId, request.Query, top, cancellationToken).ConfigureAwait(false);
        return new SearchResponse(hits.Select(hit => new SearchResultItem(hit.DocumentId, hit.Title, hit.Content, hit.Score, hit.Page, hit.Section)).ToList());
    }

    /// <summary>
    /// The org's best chunks for a text (the agent's retrieval uses this too, after the run's own quota check):
    /// hybrid with an embedding model, else lexical; no embedding call when the org has no knowledge.
    /// </summary>
    public async Task<IReadOnlyList<KnowledgeHit>> RetrieveAsync(OrgId orgId, string query, int top, CancellationToken cancellationToken)
    {
        // The query's tokens are written to usage while the store searches, and written before the hits are returned.
        var metering = Task.CompletedTask;
        try
        {
            return await store.SearchAsync(orgId, query, EmbedQueryAsync, top, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await metering.ConfigureAwait(false);
        }

        // Called by the store only when the org has knowledge (or, overlapping its version read, had it when last searched here).
        async Task<ReadOnlyMemory<float>> EmbedQueryAsync(CancellationToken ct)
        {
            if (!models.HasEmbeddingModel)
            {
                return ReadOnlyMemory<float>.Empty;
            }

            var (vectors, tokens) = await GenerateAsync([query], ct).ConfigureAwait(false);
            metering = usage.RecordAsync(orgId, UsageEntry.Embedding(tokens), CancellationToken.None).AsTask();
            return vectors[0];
        }
    }

    private ApiException TooManyChunks(int wouldHold) =>
        ApiException.PayloadTooLarge($"The org would hold {wouldHold} knowledge chunks; Knowledge__MaxChunksPerOrg allows {_options.MaxChunksPerOrg}.");

    private KnowledgeDocument Validate(string documentId, PutDocumentRequest? request)
    {
        ValidateDocumentId(documentId);
        if (request is null)
        {
            throw ApiException.InvalidRequest("body", "must be a JSON object with 'title' and 'content'.");
        }

        ValidateTitle(request.Title);

        if (string.IsNullOrWhiteSpace(request.Content))
        {
            throw ApiException.InvalidRequest("content", "is required and must not be empty.");
        }

        if (request.Content.Length > _options.MaxDocumentCharacters)
        {
            throw ApiException.PayloadTooLarge($"'content' is longer than {_options.MaxDocumentCharacters} characters.");
        }

        return new KnowledgeDocument(documentId, request.Title, ValidateMetadata(request.Metadata));
    }

    private static void ValidateTitle([NotNull] string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw ApiException.InvalidRequest("title", "is required and must not be empty.");
        }

        if (title.Length > MaxTitleLength)
        {
            throw ApiException.InvalidRequest("title", $"must be at most {MaxTitleLength} characters.");
        }
    }

    /// <summary>The caller's metadata as compact JSON, or null; 400 unless it is a JSON object of at most <see cref="MaxMetadataLength"/> characters.</summary>
    private static string? ValidateMetadata(JsonElement? metadata)
    {
        if (metadata is not { ValueKind: not JsonValueKind.Null } element)
        {
            return null;
        }

        var text = element.ValueKind == JsonValueKind.Object ? element.GetRawText() : null;
        return text is null || text.Length > MaxMetadataLength
            ? throw ApiException.InvalidRequest("metadata", $"must be a JSON object of at most {MaxMetadataLength} characters.")
            : text;
    }

    private static void ValidateDocumentId(string documentId)
    {
        Identifiers.EnsureResourceId(documentId, "documentId");
    }

    /// <summary>Embeds and meters: the server's token count, or one token per 4 characters when it reports none.</summary>
    private async Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedAsync(OrgId orgId, List<string> texts, CancellationToken cancellationToken)
    {
        var (vectors, tokens) = await GenerateAsync(texts, cancellationToken).ConfigureAwait(false);
        await usage.RecordAsync(orgId, UsageEntry.Embedding(tokens), CancellationToken.None).ConfigureAwait(false);
        return vectors;
    }

    /// <summary>The texts' vectors and the tokens they cost (the server's count, or the usual estimate of 4 characters a token when it reports none).</summary>
    private async Task<(IReadOnlyList<ReadOnlyMemory<float>> Vectors, long Tokens)> GenerateAsync(List<string> texts, CancellationToken cancellationToken)
    {
        GeneratedEmbeddings<Embedding<float>> generated;
        try
        {
            generated = await embeddings.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or Azure.RequestFailedException)
        {
            LogEmbeddingFailed(logger, e);
            throw ApiException.ModelUnavailable(502, "The embedding model failed; try again later.");
        }

        if (generated.Count != texts.Count || generated.Any(e => e.Vector.Length == 0))
        {
            throw ApiException.ModelUnavailable(502, "The embedding model returned an unexpected answer.");
        }

        return (generated.Select(e => e.Vector).ToList(), generated.Usage?.InputTokenCount ?? texts.Sum(text => (text.Length + 3) / 4));
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Stored document {DocumentId} for org {OrgId} as {ChunkCount} chunks")]
    private static partial void LogDocumentStored(ILogger logger, string orgId, string documentId, int chunkCount);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Deleted document {DocumentId} of org {OrgId}")]
    private static partial void LogDocumentDeleted(ILogger logger, string orgId, string documentId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "The embedding model failed")]
    private static partial void LogEmbeddingFailed(ILogger logger, Exception exception);
}
