using System.ComponentModel.DataAnnotations;
using AgentFunctions.Secrets;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Auth;

/// <summary>Caller authentication (section <c>Auth</c>). On unless switched off explicitly.</summary>
internal sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>
    /// <c>Auth__Enabled</c>. False only for local development: then any request may act for any
    /// registered, enabled org without a credential.
    /// </summary>
    public bool Enabled { get; set; } = true;

    public JwtOptions Jwt { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Jwt.IsConfigured)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Jwt.Audience))
        {
            yield return new ValidationResult("Auth__Jwt__Audience is required when Auth__Jwt__Authority or Auth__Jwt__MetadataAddress is set.", ["Jwt.Audience"]);
        }

        if (Jwt.MetadataUri is null)
        {
            yield return new ValidationResult("Auth__Jwt__MetadataAddress (or Auth__Jwt__Authority) must be an absolute URL.", ["Jwt.MetadataAddress"]);
        }
        else if (Jwt.RequireHttpsMetadata && Jwt.MetadataUri.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult("Auth__Jwt__MetadataAddress must be https (Auth__Jwt__RequireHttpsMetadata=false only for local tests).", ["Jwt.MetadataAddress"]);
        }

        if (string.IsNullOrWhiteSpace(Jwt.OrgClaim))
        {
            yield return new ValidationResult("Auth__Jwt__OrgClaim must not be empty.", ["Jwt.OrgClaim"]);
        }
    }
}

/// <summary>Bearer tokens from an OpenID Connect issuer (section <c>Auth:Jwt</c>); off while neither address is set.</summary>
internal sealed class JwtOptions
{
    /// <summary>The issuer's base URL; metadata is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The OpenID Connect metadata document (wins over <see cref="Authority"/>).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Accepted <c>iss</c>; defaults to the issuer named in the metadata.</summary>
    public string? Issuer { get; set; }

    /// <summary>Accepted <c>aud</c> (required when JWTs are on).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that lists the orgs the caller may act for: one string or an array.</summary>
    public string OrgClaim { get; set; } = "org_id";

    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress);

    public Uri? MetadataUri =>
        Uri.TryCreate(!string.IsNullOrWhiteSpace(MetadataAddress) ? MetadataAddress : $"{Authority?.TrimEnd('/')}/.well-known/openid-configuration", UriKind.Absolute, out var uri)
            ? uri : null;
}

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
