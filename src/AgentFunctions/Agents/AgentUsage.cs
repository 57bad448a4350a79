using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

internal sealed record AgentUsage(
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens);
