using AgentFunctions.Agents;
using AgentFunctions.Secrets;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Search.Documents.Indexes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

internal static class KnowledgeRegistration
{
    /// <summary>
    /// Knowledge ingestion and search: Azure AI Search when <c>AzureSearch__Endpoint</c> is set,
    /// else the embedded Table Storage store with its per-instance search cache; and the agent's use of it (automatic
    /// retrieval, the <c>search_knowledge</c> tool). Needs an <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>,
    /// <c>IModelAvailability</c>, <c>IUsageMeter</c> and <c>AgentMetrics</c>.
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
                var client = KeyVaultReference.Usable(options.ApiKey) is { } key
                    ? new SearchIndexClient(options.Endpoint, new AzureKeyCredential(key))
                    : new SearchIndexClient(options.Endpoint, StorageClients.Credential(configuration.GetSection(AzureSearchOptions.Section)));
                return new AzureSearchIndex(client, options.IndexName, options.Dimensions, sp.GetRequiredService<ILogger<AzureSearchIndex>>());
            });
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ISearchIndexHealth, AzureSearchIndex>(sp => sp.GetRequiredService<AzureSearchIndex>()));
            services.TryAddSingleton<KnowledgeCache<DocumentGenerations>>();
            services.TryAddSingleton<AzureSearchKnowledgeStore>();
            services.TryAddSingleton<IKnowledgeStore>(sp => sp.GetRequiredService<AzureSearchKnowledgeStore>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, AzureSearchKnowledgeStore>(sp => sp.GetRequiredService<AzureSearchKnowledgeStore>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AzureSearchIndexWarmUp>());
        }
        else
        {
            services.TryAddSingleton<KnowledgeCache<KnowledgeIndex>>();
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
}
