using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary>The body of <c>POST /api/search</c>.</summary>
internal sealed record SearchRequest(
    [property: JsonPropertyName("query")] string? Query,
    [property: JsonPropertyName("top")] int? Top);
