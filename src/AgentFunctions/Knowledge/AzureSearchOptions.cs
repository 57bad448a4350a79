using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Azure AI Search (<c>AzureSearch__*</c>). Without an <see cref="Endpoint"/> the embedded Table
/// Storage backend is used.
/// </summary>
internal sealed class AzureSearchOptions : IValidatableObject
{
    public const string Section = "AzureSearch";

    public Uri? Endpoint { get; set; }

    public string IndexName { get; set; } = "knowledge";

    /// <summary>Admin key; without it the app authenticates with its managed identity.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client id of a user-assigned managed identity (otherwise <c>DefaultAzureCredential</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>Length of the embedding vectors (the embedding deployment's output size).</summary>
    [Range(2, 4096, ErrorMessage = "AzureSearch__Dimensions must be between 2 and 4096.")]
    public int Dimensions { get; set; } = 1536;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is null)
        {
            yield break;
        }

        if (!Endpoint.IsAbsoluteUri || Endpoint.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult("AzureSearch__Endpoint must be an absolute https URL.", [nameof(Endpoint)]);
        }

        if (!IsIndexName(IndexName))
        {
            yield return new ValidationResult(
                "AzureSearch__IndexName must be 2-128 characters of a-z, 0-9 and '-', starting and ending with a letter or digit.",
                [nameof(IndexName)]);
        }
    }

    private static bool IsIndexName(string? name) =>
        name is { Length: >= 2 and <= 128 }
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name[^1] != '-'
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
