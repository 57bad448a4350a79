using AgentFunctions.Agents;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Orgs;

/// <summary>
/// An org's agent settings: what the registry says for the org, each unset value taken from the
/// app-wide defaults (<paramref name="defaults"/>, the configuration-based source). Read on every run
/// (HTTP and jobs) through the registry's short cache.
/// </summary>
internal sealed class RegistryAgentSettingsSource(IOrgRegistry registry, IOrgAgentSettingsSource defaults) : IOrgAgentSettingsSource
{
    /// <summary>The service key under which the configuration-based source stays registered.</summary>
    public const string DefaultsKey = "configuration";

    public async ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var fallback = await defaults.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var org = await registry.FindAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org is null)
        {
            return fallback;
        }

        var definition = org.Definition;
        var model = definition.Model;
        var ownEndpoint = model.Endpoint is not null;
        return new OrgAgentSettings(
            string.IsNullOrEmpty(definition.SystemPrompt) ? fallback.SystemPrompt : definition.SystemPrompt,
            model.Deployment ?? fallback.Model,
            model.Temperature ?? fallback.Temperature,
            model.MaxOutputTokens ?? fallback.MaxOutputTokens,
            ownEndpoint ? model.Endpoint : fallback.Endpoint,
            ownEndpoint ? model.ApiKeySetting : fallback.ApiKeySetting,
            org.Version);
    }
}

/// <summary>Used only when no configuration-based source is registered: no system prompt, the app's model.</summary>
internal sealed class EmptyAgentSettingsSource : IOrgAgentSettingsSource
{
    public ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new OrgAgentSettings(string.Empty));
}
