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

/// <summary>
/// How model calls survive transient failures (<c>Model__*</c>): retries with exponential backoff and
/// jitter on 408/429/5xx, connection failures and attempt timeouts, honouring <c>Retry-After</c>;
/// every attempt and the whole call (retries included) are bounded.
/// </summary>
internal sealed class ModelResilienceOptions
{
    public const string Section = "Model";

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff delay; later ones double (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One attempt, until the response headers (a stream's body is not cut by it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Everything, retries and Retry-After waits included. Keep it below the host's HTTP timeout (230 s in Azure).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(180);
}

internal static class ModelOptionsValidation
{
    public static IEnumerable<ValidationResult> Validate(
        string section, string? endpoint, string chatName, string? chat, string embeddingName, string? embedding, string? apiKey, string? clientId)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            foreach (var (name, value) in new[] { (chatName, chat), (embeddingName, embedding), ("ApiKey", apiKey), ("ClientId", clientId) })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    yield return new ValidationResult($"{section}__{name} is set but {section}__Endpoint is not: set {section}__Endpoint too.", ["Endpoint"]);
                }
            }

            yield break;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult($"{section}__Endpoint must be an absolute http(s) URL.", ["Endpoint"]);
        }

        if (string.IsNullOrWhiteSpace(chat))
        {
            yield return new ValidationResult($"{section}__Endpoint is set but {section}__{chatName} is not: set {section}__{chatName}.", [chatName]);
        }
    }
}
