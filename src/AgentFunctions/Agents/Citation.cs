using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

internal sealed record Citation(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("page"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page = null,
    [property: JsonPropertyName("section"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Section = null);
