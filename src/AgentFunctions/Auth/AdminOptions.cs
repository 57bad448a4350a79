using System.ComponentModel.DataAnnotations;
using AgentFunctions.Secrets;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Auth;

/// <summary>
/// The platform admin key (root configuration key <c>ADMIN_API_KEY</c>); the admin API is off while it is unset or
/// still an unresolved Key Vault reference (<see cref="KeyVaultReference"/>).
/// </summary>
internal sealed class AdminOptions : IValidatableObject
{
    public const int MinKeyLength = 32;

    [ConfigurationKeyName("ADMIN_API_KEY")]
    public string? AdminApiKey { get; set; }

    /// <summary>The key the admin API accepts, or null: unset, or a Key Vault reference App Service could not resolve.</summary>
    public string? UsableKey => KeyVaultReference.Usable(AdminApiKey);

    public bool IsUnresolvedKeyVaultReference => KeyVaultReference.IsUnresolved(AdminApiKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsableKey is not null && UsableKey.Length < MinKeyLength)
        {
            yield return new ValidationResult($"ADMIN_API_KEY must be at least {MinKeyLength} characters of random text (e.g. `openssl rand -base64 32`).", [nameof(AdminApiKey)]);
        }
    }
}
