using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

/// <summary>One agent as an OpenAI model; <c>created</c> is 0 (agents carry no creation time yet), <c>owned_by</c> the org.</summary>
internal sealed record Model(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "model";

    [JsonPropertyName("created")]
    public long Created { get; } = 0;
}
