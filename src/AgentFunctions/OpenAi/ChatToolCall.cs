using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatToolCall(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] ChatFunctionCall Function,
    [property: JsonPropertyName("index")] int? Index = null)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "function";
}
