using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Agents;

internal static class AgentsRegistration
{
    /// <summary>
    /// The agent and its defaults: <c>Agent__*</c> settings for every org (kept as the keyed service
    /// <see cref="ConfigurationAgentSettings.Key"/> so the org area can decorate it) and no metering (replaced by the
    /// usage area), no tools and no context providers; the org's named agents (table <c>Agents</c>, part of offboarding). Needs <c>AddModels</c> and an <c>IConversationStore</c>.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics().TryAddSingleton<AgentMetrics>(); // the agent records every model call
        services.TryAddKeyedSingleton<IOrgAgentSettingsSource, ConfigurationAgentSettings>(ConfigurationAgentSettings.Key);
        services.TryAddSingleton<IOrgAgentSettingsSource>(sp => sp.GetRequiredKeyedService<IOrgAgentSettingsSource>(ConfigurationAgentSettings.Key));
        services.TryAddSingleton<IUsageMeter, UnmeteredUsage>();
        services.TryAddSingleton<Agent>();
        services.TryAddSingleton<IAgent>(sp => sp.GetRequiredService<Agent>());
        services.TryAddSingleton<IChatAgent>(sp => sp.GetRequiredService<Agent>());
        services.TryAddSingleton<IAgentDirectory, StoredAgentDirectory>();
        services.TryAddSingleton<AgentDefinitionStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, AgentDefinitionStore>(sp => sp.GetRequiredService<AgentDefinitionStore>()));
        services.TryAddSingleton<AgentDefinitions>();
        services.TryAddSingleton<IAgentDefinitionSource>(sp => sp.GetRequiredService<AgentDefinitions>());
        return services;
    }
}
