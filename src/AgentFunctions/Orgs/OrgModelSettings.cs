using System.Text.Json.Serialization;

namespace AgentFunctions.Orgs;

/// <summary>
/// An org's own model settings. <see cref="Endpoint"/> is a bring-your-own Azure OpenAI (or
/// OpenAI-compatible) endpoint; its credential is the app's managed identity, or the key held in
/// the app setting named by <see cref="ApiKeySetting"/> (e.g. a Key Vault reference). A plain key
/// is never stored.
/// </summary>
internal sealed record OrgModelSettings(
    [property: JsonPropertyName("deployment")] string? Deployment = null,
    [property: JsonPropertyName("temperature")] float? Temperature = null,
    [property: JsonPropertyName("maxOutputTokens")] int? MaxOutputTokens = null,
    [property: JsonPropertyName("endpoint")] Uri? Endpoint = null,
    [property: JsonPropertyName("apiKeySetting")] string? ApiKeySetting = null);
