using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatCompletionMessage(
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    [property: JsonPropertyName("tool_calls")] IReadOnlyList<ChatToolCall>? ToolCalls)
{
    [JsonPropertyName("role")]
    public string Role { get; } = "assistant";

    [JsonPropertyName("refusal"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Refusal { get; } = null;
}
