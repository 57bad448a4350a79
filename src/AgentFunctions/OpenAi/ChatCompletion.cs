using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] ChatUsage Usage)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "chat.completion";
}
