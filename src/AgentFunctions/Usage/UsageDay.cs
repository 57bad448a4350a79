using System.Text.Json.Serialization;

namespace AgentFunctions.Usage;

/// <summary>One org's model usage on one UTC day: agent runs' tokens and, as their own kind, embedding tokens (knowledge).</summary>
internal sealed record UsageDay(
    [property: JsonPropertyName("date")] string Date,
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens,
    [property: JsonPropertyName("runs")] long Runs,
    [property: JsonPropertyName("embeddingTokens")] long EmbeddingTokens = 0)
{
    [JsonPropertyName("totalTokens")]
    public long TotalTokens => InputTokens + OutputTokens + EmbeddingTokens;
}
