using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.DataStore;

public static class DataStoreServiceCollectionExtensions
{
    /// <summary>The org data store, its agent tools, and its part of offboarding.</summary>
    public static IServiceCollection AddDataStore(this IServiceCollection services)
    {
        services.AddSingleton<DataRecordStore>();
        services.AddSingleton<IOrgDataOwner>(provider => provider.GetRequiredService<DataRecordStore>());
        services.AddSingleton<DataStoreTools>();
        services.AddSingleton<IAgentToolProvider>(provider => provider.GetRequiredService<DataStoreTools>());
        return services;
    }
}
