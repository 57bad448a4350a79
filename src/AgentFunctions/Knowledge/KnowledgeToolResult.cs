using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

internal sealed record KnowledgeToolResult(
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("results")] IReadOnlyList<KnowledgeSource> Results,
    [property: JsonPropertyName("error")] string? Error);
