using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Orgs;

/// <summary>
/// An org's agent settings: what the registry says for the org, each unset value taken from the
/// app-wide defaults (<paramref name="defaults"/>, the configuration-based source). Read on every run
/// (HTTP and jobs) through the registry's short cache.
/// </summary>
internal sealed class RegistryAgentSettingsSource(
    IOrgRegistry registry,
    [FromKeyedServices(ConfigurationAgentSettings.Key)] IOrgAgentSettingsSource defaults) : IOrgAgentSettingsSource
{
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
