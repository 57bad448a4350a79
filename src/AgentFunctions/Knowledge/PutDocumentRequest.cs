using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary>The body of <c>PUT /api/documents/{documentId}</c>.</summary>
internal sealed record PutDocumentRequest(
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("metadata")] JsonElement? Metadata);
