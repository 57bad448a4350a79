using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatChunkChoice(
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonPropertyName("index")]
    public int Index { get; } = 0;
}
