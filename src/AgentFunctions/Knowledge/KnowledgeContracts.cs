using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary>The body of <c>PUT /api/documents/{documentId}</c>.</summary>
internal sealed record PutDocumentRequest(
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("metadata")] JsonElement? Metadata);

internal sealed record PutDocumentResult(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] string Status);

/// <summary>202 to a large file's PUT: it is ingested in the background; poll <see cref="StatusUrl"/>.</summary>
internal sealed record DocumentAccepted(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("statusUrl")] string StatusUrl);

/// <summary>A document as <c>GET /api/documents/{documentId}</c> and the list show it.</summary>
internal sealed record DocumentView(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt)
{
    public static DocumentView From(DocumentRecord record) =>
        new(record.DocumentId, record.Title, record.Status, record.Chunks, record.Error, record.UpdatedAt);
}

/// <summary><c>GET /api/documents</c>: a page of the org's documents in id order, and the cursor of the next page.</summary>
internal sealed record DocumentList(
    [property: JsonPropertyName("documents")] IReadOnlyList<DocumentView> Documents,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor);

/// <summary>The body of <c>POST /api/search</c>.</summary>
internal sealed record SearchRequest(
    [property: JsonPropertyName("query")] string? Query,
    [property: JsonPropertyName("top")] int? Top);

internal sealed record SearchResultItem(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("page"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page,
    [property: JsonPropertyName("section"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Section);

internal sealed record SearchResponse([property: JsonPropertyName("results")] IReadOnlyList<SearchResultItem> Results);
