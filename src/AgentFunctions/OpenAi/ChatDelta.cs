using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatDelta(
    [property: JsonPropertyName("role")] string? Role = null,
    [property: JsonPropertyName("content")] string? Content = null,
    [property: JsonPropertyName("tool_calls")] IReadOnlyList<ChatToolCall>? ToolCalls = null);
