using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Tenancy;

/// <summary>How an invocation arrived; decides where the org and the caller's credentials come from.</summary>
public enum InvocationKind
{
    Http,
    Queue,
}

/// <summary>What the middleware knows when it asks whether an invocation may act for an org.</summary>
public sealed record OrgAccessRequest(
    FunctionContext Function,
    InvocationKind Kind,
    OrgId OrgId,
    Microsoft.AspNetCore.Http.HttpContext? Http);

/// <summary>The outcome of <see cref="IOrgAccessPolicy"/>: who the caller is.</summary>
public sealed record OrgAccessGrant(string Principal);

/// <summary>
/// Decides whether the caller may act for the org (registered, enabled, credential bound to it).
/// Refuses by throwing <see cref="Http.ApiException"/> (401/403/404) before any tenant data is read.
/// </summary>
public interface IOrgAccessPolicy
{
    ValueTask<OrgAccessGrant> AuthorizeAsync(OrgAccessRequest request, CancellationToken cancellationToken);
}

/// <summary>A refusal after the caller was identified: the audit records who was refused.</summary>
public sealed class OrgAccessDeniedException(string principal, int status, string code, string detail, TimeSpan? retryAfter = null)
    : Http.ApiException(status, code, detail, retryAfter)
{
    public string Principal { get; } = principal;
}

/// <summary>The outcome of one org access, as it is audited.</summary>
public enum AccessOutcome
{
    Allowed,
    Denied,
    Failed,
}

/// <summary>Records every org access (allowed, denied, failed) as a structured event.</summary>
public interface IOrgAccessAuditor
{
    ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken);
}

/// <summary>One audited access. Never carries secrets or prompts.</summary>
public sealed record OrgAccessRecord(
    OrgId OrgId,
    string Principal,
    string Function,
    string Action,
    AccessOutcome Outcome,
    string TraceId,
    string? Reason = null);
