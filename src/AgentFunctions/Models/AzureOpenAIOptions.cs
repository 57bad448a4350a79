using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Models;

/// <summary>
/// Azure OpenAI (<c>AzureOpenAI__*</c>). Without <see cref="ApiKey"/> the client authenticates with
/// managed identity (<see cref="ClientId"/> names a user-assigned identity) or
/// <c>DefaultAzureCredential</c>.
/// </summary>
internal sealed class AzureOpenAIOptions : IValidatableObject
{
    public const string Section = "AzureOpenAI";

    public string? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string? ClientId { get; set; }

    public string? ChatDeployment { get; set; }

    public string? EmbeddingDeployment { get; set; }

    /// <summary>An empty setting counts as unset, so a settings file may list it blank.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    public Uri GetEndpointUri() => new(Endpoint!, UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ModelOptionsValidation.Validate(Section, Endpoint, nameof(ChatDeployment), ChatDeployment, nameof(EmbeddingDeployment), EmbeddingDeployment,
            ApiKey, ClientId);
}
