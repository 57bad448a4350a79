using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseDeleted([property: JsonPropertyName("id")] string Id)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "response.deleted";

    [JsonPropertyName("deleted")]
    public bool Deleted { get; } = true;
}
