using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Models;

/// <summary>
/// The app's model clients, built from <c>AzureOpenAI__*</c> or <c>OpenAI__*</c> (Azure OpenAI wins when both are set).
/// Clients of the app's own endpoint are built once per model and shared by every org; an org with its own endpoint
/// gets its own client, kept until the org's settings change. Every client sends through the one resilient
/// <see cref="HttpClient"/> (<see cref="ModelsRegistration.HttpClientName"/>) and turns failures into
/// <c>model_unavailable</c>.
/// </summary>
internal interface IModelClients
{
    /// <summary>
    /// The app endpoint's chat client for a model (deployment) name, or the configured default when null. Throws 503
    /// <c>model_unavailable</c> naming the settings when no chat model is configured.
    /// </summary>
    IChatClient GetChatClient(string? model = null);

    /// <summary>
    /// The chat client one org's runs use: the shared client of the app's endpoint when <paramref name="target"/> names
    /// no endpoint, else the org's own client (cached per org and settings version). Throws 503 <c>model_unavailable</c>
    /// when no model name is known or the named key secret cannot be read.
    /// </summary>
    Task<IChatClient> GetChatClientAsync(OrgId orgId, ChatModelTarget target, CancellationToken cancellationToken);

    /// <summary>The configured embedding generator; throws 503 <c>model_unavailable</c> naming the setting when none is configured.</summary>
    IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator();
}
