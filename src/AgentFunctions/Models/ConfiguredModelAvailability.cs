using Microsoft.Extensions.Options;

namespace AgentFunctions.Models;

/// <summary>The same choice <see cref="ModelClients"/> makes: Azure OpenAI when its endpoint is set, else the OpenAI-compatible endpoint.</summary>
internal sealed class ConfiguredModelAvailability(IOptions<AzureOpenAIOptions> azureOptions, IOptions<OpenAIOptions> openAIOptions) : IModelAvailability
{
    public bool HasEmbeddingModel =>
        azureOptions.Value.IsConfigured ? !string.IsNullOrWhiteSpace(azureOptions.Value.EmbeddingDeployment)
        : openAIOptions.Value.IsConfigured && !string.IsNullOrWhiteSpace(openAIOptions.Value.EmbeddingModel);
}
