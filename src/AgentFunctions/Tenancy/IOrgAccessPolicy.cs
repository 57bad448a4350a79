namespace AgentFunctions.Tenancy;

/// <summary>
/// Decides whether the caller may act for the org (registered, enabled, credential bound to it).
/// Refuses by throwing <see cref="Errors.ApiException"/> (401/403/404) before any tenant data is read.
/// </summary>
internal interface IOrgAccessPolicy
{
    ValueTask<OrgAccessGrant> AuthorizeAsync(OrgAccessRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The org an HTTP caller's credential names, for a request without <c>X-Org-Id</c> (API.md "Which org"): an org
    /// key's org, a token's only org. Null when the credential names none or several (then the default org applies),
    /// or when callers are not authenticated. Throws 401 when authentication is on and the credential is not valid.
    /// </summary>
    ValueTask<OrgId?> FindCredentialOrgAsync(Microsoft.AspNetCore.Http.HttpContext http, CancellationToken cancellationToken) =>
        ValueTask.FromResult<OrgId?>(null);
}
