namespace AgentFunctions.Tenancy;

/// <summary>A refusal after the caller was identified: the audit records who was refused.</summary>
internal sealed class OrgAccessDeniedException(string principal, int status, string code, string detail, TimeSpan? retryAfter = null)
    : Errors.ApiException(status, code, detail, retryAfter)
{
    public string Principal { get; } = principal;

    /// <summary>
    /// The refused credential's own principal when it differs from <see cref="Principal"/> (a foreign credential):
    /// never shown to the org, only used to fold its repeated refusals into one audit row.
    /// </summary>
    public string? Credential { get; init; }
}
