using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens)
{
    [JsonPropertyName("total_tokens")]
    public long TotalTokens => PromptTokens + CompletionTokens;
}
