using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<Model> Data)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "list";
}
