using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseUsage(
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens)
{
    [JsonPropertyName("total_tokens")]
    public long TotalTokens => InputTokens + OutputTokens;

    [JsonPropertyName("input_tokens_details")]
    public IReadOnlyDictionary<string, long> InputTokensDetails { get; } = new Dictionary<string, long> { ["cached_tokens"] = 0 };

    [JsonPropertyName("output_tokens_details")]
    public IReadOnlyDictionary<string, long> OutputTokensDetails { get; } = new Dictionary<string, long> { ["reasoning_tokens"] = 0 };
}
