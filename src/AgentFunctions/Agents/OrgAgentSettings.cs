namespace AgentFunctions.Agents;

/// <summary>
/// The model settings and system prompt one org's agent runs with. <see cref="Endpoint"/> is the org's
/// own endpoint (null: the app's); its key is read from the app setting named <see cref="ApiKeySetting"/>
/// (null: managed identity). <see cref="Version"/> changes whenever the org's settings change, so a
/// per-org client cache keyed by (org, version) is rebuilt.
/// </summary>
internal sealed record OrgAgentSettings(
    string SystemPrompt,
    string? Model = null,
    float? Temperature = null,
    int? MaxOutputTokens = null,
    Uri? Endpoint = null,
    string? ApiKeySetting = null,
    long Version = 0);
