using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonPropertyName("usage")] ChatUsage? Usage = null)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "chat.completion.chunk";
}
