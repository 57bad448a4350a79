using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Orgs;

internal static class OrgsRegistration
{
    /// <summary>
    /// The org registry, offboarding, per-org retention over the platform defaults (replacing keep-everything), and per-org agent settings: <see cref="RegistryAgentSettingsSource"/> decorates the
    /// configuration-based defaults, which it takes as the keyed service <see cref="ConfigurationAgentSettings.Key"/>.
    /// </summary>
    public static IServiceCollection AddOrgs(this IServiceCollection services)
    {
        services.AddOptions<OrgsOptions>().BindConfiguration(OrgsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IOrgRegistry, TableOrgRegistry>();
        services.TryAddSingleton<OrgOffboarding>();
        services.TryAddKeyedSingleton<IOrgAgentSettingsSource, ConfigurationAgentSettings>(ConfigurationAgentSettings.Key);
        services.Replace(ServiceDescriptor.Singleton<IOrgAgentSettingsSource, RegistryAgentSettingsSource>());
        services.Replace(ServiceDescriptor.Singleton<IOrgRetentionPolicy, RegistryRetentionPolicy>());
        return services;
    }
}
