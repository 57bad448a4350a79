using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

internal sealed record SearchResponse([property: JsonPropertyName("results")] IReadOnlyList<SearchResultItem> Results);
