using System.Text.Json.Serialization;

namespace AgentFunctions.Usage;

/// <summary>The response of <c>GET /api/usage</c>.</summary>
internal sealed record UsageReport(
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("groupBy")] string GroupBy,
    [property: JsonPropertyName("groups")] IReadOnlyList<UsageGroup> Groups);
