using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

internal static class KnowledgeRegistration
{
    /// <summary>
    /// Knowledge ingestion and search: Azure AI Search when <c>AzureSearch__Endpoint</c> is set,
    /// else the embedded Table Storage store; and the agent's use of it (automatic retrieval, the <c>search_knowledge</c>
    /// tool). Needs an <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>, <c>IModelAvailability</c> and <c>AgentMetrics</c>.
    /// </summary>
    public static IServiceCollection AddKnowledge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AzureSearchOptions>().BindConfiguration(AzureSearchOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        if (configuration.GetSection(AzureSearchOptions.Section)["Endpoint"] is { Length: > 0 })
        {
            services.TryAddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<AzureSearchOptions>>().Value;
                var client = options.ApiKey is { Length: > 0 } key
                    ? new SearchIndexClient(options.Endpoint, new AzureKeyCredential(key))
                    : new SearchIndexClient(options.Endpoint, StorageClients.Credential(configuration.GetSection(AzureSearchOptions.Section)));
                return new AzureSearchKnowledgeStore(client, options.IndexName, options.Dimensions, sp.GetRequiredService<TableProvider>());
            });
            services.TryAddSingleton<IKnowledgeStore>(sp => sp.GetRequiredService<AzureSearchKnowledgeStore>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, AzureSearchKnowledgeStore>(sp => sp.GetRequiredService<AzureSearchKnowledgeStore>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AzureSearchIndexInitializer>());
        }
        else
        {
            services.TryAddSingleton<TableKnowledgeStore>();
            services.TryAddSingleton<IKnowledgeStore>(sp => sp.GetRequiredService<TableKnowledgeStore>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, TableKnowledgeStore>(sp => sp.GetRequiredService<TableKnowledgeStore>()));
        }

        services.TryAddSingleton<KnowledgeService>();

        // The agent uses it: automatic retrieval and the search_knowledge tool (needs AddModels and AddObservability).
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KnowledgeRetrieval>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentContextProvider, KnowledgeContextProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentToolProvider, KnowledgeToolProvider>());
        return services;
    }

    /// <summary>Creates or updates the index at start-up, so a misconfigured search service fails the start, not the first request.</summary>
    private sealed class AzureSearchIndexInitializer(AzureSearchKnowledgeStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.EnsureIndexAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
