using AgentFunctions.Conversations;
using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using AgentFunctions.Observability;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>Everything the app needs; one call per area.</summary>
    public static IServiceCollection AddAgentFunctions(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddTenancy()
            .AddStorage(configuration)
            .AddObservability(configuration)
            .AddConversations()
            .AddKnowledge(configuration)
            .AddJobs();

    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddOptions<TenancyOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<OrgContext>();
        services.AddSingleton<FunctionCatalog>();
        services.TryAddSingleton<IOrgAccessPolicy, OpenOrgAccessPolicy>();
        services.TryAddSingleton<IOrgAccessAuditor, LoggingOrgAccessAuditor>();
        return services;
    }

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => StorageClients.CreateTableServiceClient(configuration));
        services.AddSingleton(_ => StorageClients.CreateQueueServiceClient(configuration));
        services.AddSingleton<TableProvider>();
        services.AddSingleton<QueueProvider>();
        services.AddSingleton<IDeadLetters, PoisonMessages>();
        return services;
    }
}
