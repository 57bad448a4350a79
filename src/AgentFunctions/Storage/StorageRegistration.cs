using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Storage;

internal static class StorageRegistration
{
    /// <summary>Table, queue and blob clients for the configured account (timeouts and retries from <see cref="StorageResilienceOptions"/>), the providers that create tables/queues/containers once, and dead letters.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageResilienceOptions>().BindConfiguration(StorageResilienceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => StorageClients.CreateTableServiceClient(configuration, sp.GetRequiredService<IOptions<StorageResilienceOptions>>().Value));
        services.TryAddSingleton(sp => StorageClients.CreateQueueServiceClient(configuration, sp.GetRequiredService<IOptions<StorageResilienceOptions>>().Value));
        services.TryAddSingleton(sp => StorageClients.CreateBlobServiceClient(configuration, sp.GetRequiredService<IOptions<StorageResilienceOptions>>().Value));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageProbe>();
        services.TryAddSingleton<TableProvider>();
        services.TryAddSingleton<QueueProvider>();
        services.TryAddSingleton<BlobContainerProvider>();
        services.TryAddSingleton<IDeadLetters, PoisonMessages>();
        return services;
    }
}
