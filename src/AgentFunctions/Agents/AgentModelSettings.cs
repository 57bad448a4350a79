using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>The model settings an agent overrides (the org's endpoint and key stay admin settings).</summary>
internal sealed record AgentModelSettings(
    [property: JsonPropertyName("deployment")] string? Deployment = null,
    [property: JsonPropertyName("temperature")] float? Temperature = null,
    [property: JsonPropertyName("maxOutputTokens")] int? MaxOutputTokens = null);
