using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Storage;

internal static class StorageRegistration
{
    /// <summary>Table and queue clients for the configured account, the providers that create tables/queues once, and dead letters.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => StorageClients.CreateTableServiceClient(configuration));
        services.TryAddSingleton(_ => StorageClients.CreateQueueServiceClient(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageProbe>();
        services.TryAddSingleton<TableProvider>();
        services.TryAddSingleton<QueueProvider>();
        services.TryAddSingleton<IDeadLetters, PoisonMessages>();
        return services;
    }
}
