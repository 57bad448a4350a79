using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Secrets;

/// <summary>Where per-org secrets come from (<c>Secrets__*</c>): a Key Vault in Azure, app settings locally.</summary>
internal sealed class SecretsOptions : IValidatableObject
{
    public const string Section = "Secrets";

    /// <summary>The vault (<c>https://&lt;name&gt;.vault.azure.net/</c>); unset: per-org secrets are app settings of the same name.</summary>
    public Uri? KeyVaultUri { get; set; }

    /// <summary>How long an instance keeps a secret it read (and a miss); a rotated secret is used after at most this long.</summary>
    [Range(0, 3600, ErrorMessage = "Secrets__CacheSeconds must be between 0 and 3600.")]
    public int CacheSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeyVaultUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Secrets__KeyVaultUri must be an absolute https URL (https://<vault>.vault.azure.net/).", [nameof(KeyVaultUri)]);
        }
    }
}
