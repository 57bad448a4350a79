using System.ComponentModel.DataAnnotations;

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
