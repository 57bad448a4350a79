using Microsoft.Extensions.Options;

namespace AgentFunctions.Models;

/// <summary>
/// Which optional models the app has, known from configuration alone (no client is built, nothing is called), so a
/// feature that only helps (the agent's knowledge retrieval) can be skipped instead of failing every run.
/// </summary>
internal interface IModelAvailability
{
    bool HasEmbeddingModel { get; }
}

/// <summary>The same choice <see cref="ModelClients"/> makes: Azure OpenAI when its endpoint is set, else the OpenAI-compatible endpoint.</summary>
internal sealed class ConfiguredModelAvailability(IOptions<AzureOpenAIOptions> azureOptions, IOptions<OpenAIOptions> openAIOptions) : IModelAvailability
{
    public bool HasEmbeddingModel =>
        azureOptions.Value.IsConfigured ? !string.IsNullOrWhiteSpace(azureOptions.Value.EmbeddingDeployment)
        : openAIOptions.Value.IsConfigured && !string.IsNullOrWhiteSpace(openAIOptions.Value.EmbeddingModel);
}
