using System.Text.Json.Serialization;

namespace AgentFunctions.Usage;

/// <summary>One group of <c>GET /api/usage</c>: its key (a day, agent, principal or kind) and its tokens.</summary>
internal sealed record UsageGroup(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("chatInputTokens")] long ChatInputTokens,
    [property: JsonPropertyName("chatOutputTokens")] long ChatOutputTokens,
    [property: JsonPropertyName("embeddingTokens")] long EmbeddingTokens,
    [property: JsonPropertyName("runs")] long Runs)
{
    [JsonPropertyName("totalTokens")]
    public long TotalTokens => ChatInputTokens + ChatOutputTokens + EmbeddingTokens;
}
