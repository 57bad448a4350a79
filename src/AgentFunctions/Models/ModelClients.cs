using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using AgentFunctions.Errors;
using AgentFunctions.Secrets;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AgentFunctions.Models;

internal sealed class ModelClients(
    IOptions<AzureOpenAIOptions> azureOptions,
    IOptions<OpenAIOptions> openAIOptions,
    IOptions<ModelResilienceOptions> resilience,
    IOrgSecrets secrets,
    IHttpClientFactory httpClients,
    TimeProvider time) : IModelClients, IDisposable
{
    /// <summary>Orgs with their own endpoint whose clients one instance keeps (least recently used evicted first).</summary>
    internal const int MaxOrgClients = 1_000;

    /// <summary>An org's client is rebuilt at least this often (a rotated key setting, a pruned idle org).</summary>
    internal static readonly TimeSpan OrgClientLifetime = TimeSpan.FromHours(1);

    public const string MissingChatModel =
        "No model is configured: set AzureOpenAI__Endpoint and AzureOpenAI__ChatDeployment, or OpenAI__Endpoint and OpenAI__ChatModel.";

    private readonly ConcurrentDictionary<string, IChatClient> _chatClients = new(StringComparer.Ordinal);

    /// <summary>One entry per org with its own endpoint: a settings change replaces it, so an old client is dropped.</summary>
    private readonly BoundedCache<OrgId, OrgChatClient> _orgClients = new(MaxOrgClients, time);

    private readonly Lazy<TokenCredential> _credential = new(() =>
        azureOptions.Value.ClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential());

    private object? _provider;
    private ModelFailureEmbeddingGenerator? _embeddings;

    public IChatClient GetChatClient(string? model = null)
    {
        var defaultModel = DefaultModel() ?? throw ApiException.ModelUnavailable(503, MissingChatModel);
        return _chatClients.GetOrAdd(string.IsNullOrWhiteSpace(model) ? defaultModel : model, name => ChatClient(PlatformProvider(), name));
    }

    public async Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Endpoint is null)
        {
            return GetChatClient(target.Model);
        }

        var model = string.IsNullOrWhiteSpace(target.Model) ? DefaultModel() ?? throw ApiException.ModelUnavailable(503, MissingChatModel) : target.Model;
        string? apiKey = null;
        if (target.ApiKeySetting is { } setting)
        {
            try
            {
                apiKey = await secrets.GetAsync(setting, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretUnavailableException unavailable)
            {
                throw ApiException.ModelUnavailable(503, $"The org's model endpoint key is unavailable: {unavailable.Message}");
            }
        }

        // Same settings version, endpoint and key: the cached client. Anything else (a new version, a rotated key,
        // an org deleted and registered again whose version restarted) replaces it.
        if (_orgClients.TryGet(orgId, out var cached) && cached.Matches(target, model, apiKey))
        {
            return cached.Client;
        }

        var client = ChatClient(OrgProvider(target.Endpoint, apiKey), model);
        _orgClients.Set(orgId, new OrgChatClient(target, model, apiKey, client), OrgClientLifetime);
        return client;
    }

    public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator()
    {
        if (_embeddings is { } existing)
        {
            return existing;
        }

        var azure = azureOptions.Value;
        var openAI = openAIOptions.Value;
        IEmbeddingGenerator<string, Embedding<float>> inner;
        if (azure.IsConfigured)
        {
            var deployment = azure.EmbeddingDeployment is { Length: > 0 } d ? d
                : throw ApiException.ModelUnavailable(503, "No embedding model is configured: set AzureOpenAI__EmbeddingDeployment.");
            inner = ((AzureOpenAIClient)PlatformProvider()).GetEmbeddingClient(deployment).AsIEmbeddingGenerator();
        }
        else if (openAI.IsConfigured)
        {
            var model = openAI.EmbeddingModel is { Length: > 0 } m ? m
                : throw ApiException.ModelUnavailable(503, "No embedding model is configured: set OpenAI__EmbeddingModel.");
            inner = ((OpenAIClient)PlatformProvider()).GetEmbeddingClient(model).AsIEmbeddingGenerator();
        }
        else
        {
            throw ApiException.ModelUnavailable(503,
                "No embedding model is configured: set AzureOpenAI__Endpoint and AzureOpenAI__EmbeddingDeployment, or OpenAI__Endpoint and OpenAI__EmbeddingModel.");
        }

        return _embeddings = new ModelFailureEmbeddingGenerator(inner);
    }

    public void Dispose()
    {
        foreach (var client in _chatClients.Values.Concat(_orgClients.Values().Select(o => o.Client)))
        {
            client.Dispose();
        }

        _embeddings?.Dispose();
    }

    private string? DefaultModel()
    {
        var azure = azureOptions.Value;
        var openAI = openAIOptions.Value;
        return azure.IsConfigured ? azure.ChatDeployment : openAI.IsConfigured ? openAI.ChatModel : null;
    }

    private static ModelFailureChatClient ChatClient(object provider, string model) =>
        new ModelFailureChatClient(provider is AzureOpenAIClient azure
            ? azure.GetChatClient(model).AsIChatClient()
            : ((OpenAIClient)provider).GetChatClient(model).AsIChatClient());

    /// <summary>The provider client of the app's own endpoint, built once (races build it twice at most; one wins).</summary>
    private object PlatformProvider()
    {
        if (Volatile.Read(ref _provider) is { } provider)
        {
            return provider;
        }

        var azure = azureOptions.Value;
        var openAI = openAIOptions.Value;
        object created = azure.IsConfigured
            ? CreateAzure(azure.GetEndpointUri(), KeyVaultReference.Usable(azure.ApiKey))
            : CreateOpenAI(openAI.GetEndpointUri(), KeyVaultReference.Usable(openAI.ApiKey));
        return Interlocked.CompareExchange(ref _provider, created, null) ?? created;
    }

    /// <summary>
    /// An org's own endpoint, of the app's provider kind (Azure OpenAI when the app has none: bring-your-own Azure
    /// OpenAI). Without a key: managed identity for Azure OpenAI; no authentication for an OpenAI-compatible server.
    /// </summary>
    private object OrgProvider(Uri endpoint, string? apiKey) =>
        openAIOptions.Value.IsConfigured && !azureOptions.Value.IsConfigured
            ? CreateOpenAI(endpoint, apiKey)
            : CreateAzure(endpoint, apiKey);

    private AzureOpenAIClient CreateAzure(Uri endpoint, string? apiKey)
    {
        var clientOptions = Configure(new AzureOpenAIClientOptions());
        return apiKey is { Length: > 0 }
            ? new AzureOpenAIClient(endpoint, new ApiKeyCredential(apiKey), clientOptions)
            : new AzureOpenAIClient(endpoint, _credential.Value, clientOptions);
    }

    private OpenAIClient CreateOpenAI(Uri endpoint, string? apiKey)
    {
        var clientOptions = Configure(new OpenAIClientOptions { Endpoint = endpoint });

        // The client refuses an empty key; servers without authentication (Ollama, vLLM) ignore it.
        return new OpenAIClient(new ApiKeyCredential(apiKey is { Length: > 0 } key ? key : "unused"), clientOptions);
    }

    /// <summary>Retries live in the HttpClient's resilience handler, so the client's own retry policy is switched off.</summary>
    private T Configure<T>(T options)
        where T : ClientPipelineOptions
    {
        options.Transport = new HttpClientPipelineTransport(httpClients.CreateClient(ModelsRegistration.HttpClientName));
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        options.NetworkTimeout = resilience.Value.TotalTimeout;
        return options;
    }

    /// <summary>An org's own client and what it was built from (a class, not a record: no generated ToString prints the key).</summary>
    private sealed class OrgChatClient(ChatModelTarget target, string model, string? apiKey, IChatClient client)
    {
        public IChatClient Client => client;

        public bool Matches(ChatModelTarget other, string otherModel, string? otherKey) =>
            target == other && model == otherModel && string.Equals(apiKey, otherKey, StringComparison.Ordinal);
    }
}
