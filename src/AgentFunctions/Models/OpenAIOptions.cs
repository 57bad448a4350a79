using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Models;

/// <summary>
/// Any OpenAI-compatible endpoint (<c>OpenAI__*</c>): OpenAI itself (<c>https://api.openai.com/v1</c>),
/// Ollama (<c>http://localhost:11434/v1</c>), vLLM, or a test server. The key is optional (Ollama needs none).
/// </summary>
internal sealed class OpenAIOptions : IValidatableObject
{
    public const string Section = "OpenAI";

    public string? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string? ChatModel { get; set; }

    public string? EmbeddingModel { get; set; }

    /// <summary>An empty setting counts as unset, so a settings file may list it blank.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    public Uri GetEndpointUri() => new(Endpoint!, UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ModelOptionsValidation.Validate(Section, Endpoint, nameof(ChatModel), ChatModel, nameof(EmbeddingModel), EmbeddingModel, ApiKey, clientId: null);
}
