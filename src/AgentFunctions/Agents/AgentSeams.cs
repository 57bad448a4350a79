using AgentFunctions.Tenancy;

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

/// <summary>
/// Where an org's agent settings come from: configuration (<c>Agent__*</c>) for every org until
/// the org registry provides per-org settings.
/// </summary>
internal interface IOrgAgentSettingsSource
{
    ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken);
}

/// <summary>
/// Quotas and usage accounting around each model call. <see cref="EnsureWithinQuotaAsync"/> runs
/// before the model is called and throws a 429 <c>quota_exceeded</c>; <see cref="RecordAsync"/>
/// runs after each model call (a run's chat tokens) and each embedding call (knowledge ingestion, search, retrieval:
/// a usage kind of its own that counts against the same quota), attributed to an agent and a principal.
/// </summary>
internal interface IUsageMeter
{
    ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken);

    ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken);
}
