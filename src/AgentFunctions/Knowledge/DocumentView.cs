using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

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
