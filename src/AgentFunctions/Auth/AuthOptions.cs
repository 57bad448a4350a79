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

    /// <summary>
    /// <c>Auth__FailedAttemptsPerMinute</c>: failed authentications one client address may make per minute on one
    /// instance before its credentials are no longer looked up (429 <c>too_many_failed_attempts</c> until the next
    /// minute). 0 switches the limiter off.
    /// </summary>
    [Range(0, 100_000)]
    public int FailedAttemptsPerMinute { get; set; } = 30;

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

        if (Jwt.ValidTypes.Count == 0)
        {
            yield return new ValidationResult("Auth__Jwt__TokenTypes must name at least one accepted token type (e.g. at+jwt).", ["Jwt.TokenTypes"]);
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

    /// <summary>
    /// Accepted values of the token's <c>typ</c> header, comma-separated. The default <c>at+jwt</c> (RFC 9068 access
    /// tokens) refuses an OpenID Connect ID token issued for the same audience; add <c>JWT</c> only for an issuer
    /// whose access tokens carry that type (Entra ID), where ID tokens then have to be told apart by their audience.
    /// </summary>
    public string TokenTypes { get; set; } = "at+jwt";

    public IReadOnlyList<string> ValidTypes =>
        TokenTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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
