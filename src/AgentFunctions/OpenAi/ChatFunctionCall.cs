using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ChatFunctionCall(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);
