using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Tenancy;

/// <summary>How an invocation arrived; decides where the org and the caller's credentials come from.</summary>
internal enum InvocationKind
{
    Http,
    Queue,
}

/// <summary>What the middleware knows when it asks whether an invocation may act for an org.</summary>
internal sealed record OrgAccessRequest(
    FunctionContext Function,
    InvocationKind Kind,
    OrgId OrgId,
    Microsoft.AspNetCore.Http.HttpContext? Http);

/// <summary>The outcome of <see cref="IOrgAccessPolicy"/>: who the caller is.</summary>
internal sealed record OrgAccessGrant(string Principal);

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

/// <summary>The outcome of one org access, as it is audited.</summary>
internal enum AccessOutcome
{
    Allowed,
    Denied,
    Failed,
}

/// <summary>Records every org access (allowed, denied, failed) as a structured event.</summary>
internal interface IOrgAccessAuditor
{
    ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken);
}

/// <summary>
/// One audited access. Never carries secrets or prompts. <see cref="CallerIdentified"/> is false when the
/// caller was not identified (no or unknown credential, admin key refused): such an attempt is only a log
/// event — it must not reach tenant storage (no registry lookup, no trail row), or it would reveal by
/// timing whether the org exists and let anyone fill caches with made-up org ids.
/// </summary>
internal sealed record OrgAccessRecord(
    OrgId OrgId,
    string Principal,
    string Function,
    string Action,
    AccessOutcome Outcome,
    string TraceId,
    string? Reason = null)
{
    public bool CallerIdentified { get; init; } = true;

    /// <summary>
    /// Set for a refused foreign credential: its refusals of one org are folded into one trail row per credential
    /// and minute with a count, written off the response path (so the answer takes as long whether the org exists
    /// or not, and a flood of refusals cannot push the org's own events out of reach).
    /// </summary>
    public string? FoldBy { get; init; }
}

/// <summary>Fixed principals of audited refusals.</summary>
internal static class AuditPrincipals
{
    /// <summary>No credential, or one that is not valid (the caller is unknown).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>
    /// A valid credential of another org: the attempt is in the target org's trail, but not whose credential it
    /// was (another tenant's key id or token subject is not this org's business; the log event has it).
    /// </summary>
    public const string ForeignCredential = "foreign-credential";
}
