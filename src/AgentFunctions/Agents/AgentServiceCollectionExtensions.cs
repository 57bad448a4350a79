using AgentFunctions.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Agents;

public static class AgentServiceCollectionExtensions
{
    /// <summary>
    /// The agent and its defaults: <c>Agent__*</c> settings for every org and no metering (both replaced by the org
    /// registry with TryAdd-aware registrations), no tools and no context providers. Needs <c>AddModels</c> and an
    /// <c>IConversationStore</c>.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics().TryAddSingleton<AgentMetrics>(); // the agent records every model call
        services.TryAddSingleton<IOrgAgentSettingsSource, ConfigurationAgentSettings>();
        services.TryAddSingleton<IUsageMeter, UnmeteredUsage>();
        services.TryAddSingleton<IAgentDirectory, DefaultAgentDirectory>();
        services.AddSingleton<Agent>();
        services.AddSingleton<IAgent>(sp => sp.GetRequiredService<Agent>());
        services.AddSingleton<IChatAgent>(sp => sp.GetRequiredService<Agent>());
        return services;
    }
}
