using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Tenancy;

/// <summary>
/// How the org of an invocation is chosen. Bound from the root configuration keys
/// <c>MULTITENANCY_ENABLED</c> and <c>DEFAULT_ORG_ID</c> (environment variables, these names).
/// </summary>
internal sealed class TenancyOptions : IValidatableObject
{
    public const string FallbackDefaultOrg = "default";

    [ConfigurationKeyName("MULTITENANCY_ENABLED")]
    public bool MultitenancyEnabled { get; set; }

    /// <summary>Raw <c>DEFAULT_ORG_ID</c>; use <see cref="DefaultOrg"/>.</summary>
    [ConfigurationKeyName("DEFAULT_ORG_ID")]
    public string? DefaultOrgId { get; set; }

    /// <summary>
    /// The org used when none is given: <c>DEFAULT_ORG_ID</c>; with multitenancy off and no
    /// <c>DEFAULT_ORG_ID</c>, <c>default</c>; with multitenancy on and none set, null.
    /// Never throws: data-annotation validation reads every property, so an invalid
    /// <c>DEFAULT_ORG_ID</c> must reach <see cref="Validate"/> (which names the setting) instead of
    /// failing here with an anonymous format error. Start-up validation stops the app before it is used.
    /// </summary>
    public OrgId? DefaultOrg =>
        !string.IsNullOrEmpty(DefaultOrgId) ? (OrgId.TryParse(DefaultOrgId, out var configured) ? configured : null)
        : MultitenancyEnabled ? null
        : OrgId.Parse(FallbackDefaultOrg);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(DefaultOrgId) && !OrgId.TryParse(DefaultOrgId, out _))
        {
            yield return new ValidationResult(
                "DEFAULT_ORG_ID must be 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit.",
                [nameof(DefaultOrgId)]);
        }
    }
}
