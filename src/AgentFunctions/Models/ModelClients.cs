using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using AgentFunctions.Http;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AgentFunctions.Models;

/// <summary>
/// The app's model clients, built once per (endpoint, model) from <c>AzureOpenAI__*</c> or
/// <c>OpenAI__*</c> (Azure OpenAI wins when both are set). Every client sends through the one
/// resilient <see cref="HttpClient"/> (<see cref="ModelServiceCollectionExtensions.HttpClientName"/>)
/// and turns failures into <c>model_unavailable</c>.
/// </summary>
public interface IModelClients
{
    /// <summary>
    /// The chat client for a model (deployment) name, or the configured default when null, optionally on another
    /// endpoint of the same provider. Throws 503 <c>model_unavailable</c> naming the settings when no chat model is configured.
    /// </summary>
    IChatClient GetChatClient(string? model = null, Uri? endpoint = null);

    /// <summary>The configured embedding generator; throws 503 <c>model_unavailable</c> naming the setting when none is configured.</summary>
    IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator();
}

internal sealed class ModelClients(
    IOptions<AzureOpenAIOptions> azureOptions,
    IOptions<OpenAIOptions> openAIOptions,
    IOptions<ModelResilienceOptions> resilience,
    IHttpClientFactory httpClients) : IModelClients, IDisposable
{
    public const string MissingChatModel =
        "No model is configured: set AzureOpenAI__Endpoint and AzureOpenAI__ChatDeployment, or OpenAI__Endpoint and OpenAI__ChatModel.";

    private readonly ConcurrentDictionary<(Uri? Endpoint, string Model), IChatClient> _chatClients = new();
    private readonly ConcurrentDictionary<Uri, object> _providers = new();
    private readonly Lazy<TokenCredential> _credential = new(() =>
        azureOptions.Value.ClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential());

    private ModelFailureEmbeddingGenerator? _embeddings;

    public IChatClient GetChatClient(string? model = null, Uri? endpoint = null)
    {
        var azure = azureOptions.Value;
        var openAI = openAIOptions.Value;
        var defaultModel = azure.IsConfigured ? azure.ChatDeployment : openAI.IsConfigured ? openAI.ChatModel : null;
        if (defaultModel is null)
        {
            throw ApiException.ModelUnavailable(503, MissingChatModel);
        }

        var key = (endpoint, string.IsNullOrWhiteSpace(model) ? defaultModel : model);
        return _chatClients.GetOrAdd(key, k =>
        {
            var provider = Provider(k.Endpoint);
            var inner = provider is AzureOpenAIClient a ? a.GetChatClient(k.Model).AsIChatClient() : ((OpenAIClient)provider).GetChatClient(k.Model).AsIChatClient();
            return new ModelFailureChatClient(inner);
        });
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
            inner = ((AzureOpenAIClient)Provider(null)).GetEmbeddingClient(deployment).AsIEmbeddingGenerator();
        }
        else if (openAI.IsConfigured)
        {
            var model = openAI.EmbeddingModel is { Length: > 0 } m ? m
                : throw ApiException.ModelUnavailable(503, "No embedding model is configured: set OpenAI__EmbeddingModel.");
            inner = ((OpenAIClient)Provider(null)).GetEmbeddingClient(model).AsIEmbeddingGenerator();
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
        foreach (var client in _chatClients.Values)
        {
            client.Dispose();
        }

        _embeddings?.Dispose();
    }

    /// <summary>One provider client per endpoint (the configured one when null).</summary>
    private object Provider(Uri? endpoint)
    {
        var azure = azureOptions.Value;
        var openAI = openAIOptions.Value;
        var uri = endpoint ?? (azure.IsConfigured ? azure.GetEndpointUri() : openAI.GetEndpointUri());
        return _providers.GetOrAdd(uri, u => azure.IsConfigured ? CreateAzure(u, azure) : CreateOpenAI(u, openAI));
    }

    private AzureOpenAIClient CreateAzure(Uri endpoint, AzureOpenAIOptions options)
    {
        var clientOptions = Configure(new AzureOpenAIClientOptions());
        return options.ApiKey is { Length: > 0 } apiKey
            ? new AzureOpenAIClient(endpoint, new ApiKeyCredential(apiKey), clientOptions)
            : new AzureOpenAIClient(endpoint, _credential.Value, clientOptions);
    }

    private OpenAIClient CreateOpenAI(Uri endpoint, OpenAIOptions options)
    {
        var clientOptions = Configure(new OpenAIClientOptions { Endpoint = endpoint });

        // The client refuses an empty key; servers without authentication (Ollama, vLLM) ignore it.
        return new OpenAIClient(new ApiKeyCredential(options.ApiKey is { Length: > 0 } key ? key : "unused"), clientOptions);
    }

    /// <summary>Retries live in the HttpClient's resilience handler, so the client's own retry policy is switched off.</summary>
    private T Configure<T>(T options)
        where T : ClientPipelineOptions
    {
        options.Transport = new HttpClientPipelineTransport(httpClients.CreateClient(ModelServiceCollectionExtensions.HttpClientName));
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        options.NetworkTimeout = resilience.Value.TotalTimeout;
        return options;
    }
}
