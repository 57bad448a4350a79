using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

internal sealed record SearchResultItem(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("page"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page,
    [property: JsonPropertyName("section"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Section);
