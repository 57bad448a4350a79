using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.DataStore;

internal static class DataStoreRegistration
{
    /// <summary>The org data store, its agent tools, and its part of offboarding.</summary>
    public static IServiceCollection AddDataStore(this IServiceCollection services)
    {
        services.TryAddSingleton<DataRecordStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, DataRecordStore>(sp => sp.GetRequiredService<DataRecordStore>()));
        services.TryAddSingleton<DataStoreTools>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentToolProvider, DataStoreTools>(sp => sp.GetRequiredService<DataStoreTools>()));
        return services;
    }
}
