using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// Where an org's agent settings come from: configuration (<c>Agent__*</c>) for every org until
/// the org registry provides per-org settings.
/// </summary>
internal interface IOrgAgentSettingsSource
{
    ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken);
}
