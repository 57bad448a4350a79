using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseContentPart(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("annotations")] IReadOnlyList<ResponseAnnotation> Annotations)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "output_text";
}
