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
    [property: JsonPropertyName("chunks")] int Chunks);

/// <summary>The body of <c>POST /api/search</c>.</summary>
internal sealed record SearchRequest(
    [property: JsonPropertyName("query")] string? Query,
    [property: JsonPropertyName("top")] int? Top);

internal sealed record SearchResultItem(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("score")] double Score);

internal sealed record SearchResponse([property: JsonPropertyName("results")] IReadOnlyList<SearchResultItem> Results);
