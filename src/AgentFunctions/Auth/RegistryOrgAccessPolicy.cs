using AgentFunctions.Errors;
using AgentFunctions.Observability;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Auth;

/// <summary>
/// Who may act for an org, decided before the function runs (so before any tenant data is read and
/// before the model is called), in this order:
/// <list type="number">
/// <item>HTTP with authentication on: a valid credential (401 otherwise) that is bound to the org (403 otherwise).
/// Checked first so that nobody without a credential of the org learns whether it exists.</item>
/// <item>The org is registered or is the default org (404 <c>org_not_found</c>), enabled and not being deleted (403 <c>org_disabled</c>).
/// Queue messages are checked the same way, so a job of a disabled or deleted org never runs.</item>
/// <item>HTTP: the org's <c>requestsPerMinute</c> (429 <c>quota_exceeded</c> with <c>Retry-After</c>); every org request counts.</item>
/// </list>
/// </summary>
internal sealed partial class RegistryOrgAccessPolicy(
    IOrgRegistry registry,
    ICallerAuthenticator authenticator,
    IRequestRateLimiter rateLimiter,
    IOptions<AuthOptions> auth,
    AgentMetrics metrics,
    TimeProvider time,
    ILogger<RegistryOrgAccessPolicy> logger) : IOrgAccessPolicy
{
    public async ValueTask<OrgAccessGrant> AuthorizeAsync(OrgAccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var principal = request.Kind == InvocationKind.Queue ? "queue" : "anonymous";
        if (request.Http is { } http && auth.Value.Enabled)
        {
            var caller = await authenticator.AuthenticateAsync(http.Request, cancellationToken).ConfigureAwait(false);
            if (!caller.MayActFor(request.OrgId))
            {
                // The target org's trail says a foreign credential was refused; who it was stays in the platform's log.
                LogForeignCredential(logger, request.OrgId.Value, caller.Principal);
                throw new OrgAccessDeniedException(AuditPrincipals.ForeignCredential, 403, ErrorCodes.Forbidden, "The credential does not allow acting for this org.")
                {
                    Credential = caller.Principal,
                };
            }

            principal = caller.Principal;
        }

        var org = await registry.FindAsync(request.OrgId, cancellationToken).ConfigureAwait(false)
            ?? throw new OrgAccessDeniedException(principal, 404, ErrorCodes.OrgNotFound, $"Org '{request.OrgId.Value}' is not registered.");
        if (org.Status != OrgStatus.Active)
        {
            throw new OrgAccessDeniedException(principal, 403, ErrorCodes.OrgDisabled, $"Org '{request.OrgId.Value}' is disabled.");
        }

        if (request.Kind == InvocationKind.Http && org.Definition.Quotas.RequestsPerMinute is { } limit
            && !await rateLimiter.TryAcquireAsync(request.OrgId, limit, cancellationToken).ConfigureAwait(false))
        {
            metrics.RecordQuotaRefusal(request.OrgId, "requestsPerMinute");
            var now = time.GetUtcNow();
            throw new OrgAccessDeniedException(principal, 429, ErrorCodes.QuotaExceeded, $"The org's quota of {limit} requests per minute is used up.", TimeSpan.FromSeconds(60 - now.Second));
        }

        return new OrgAccessGrant(principal);
    }

    public async ValueTask<OrgId?> FindCredentialOrgAsync(Microsoft.AspNetCore.Http.HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!auth.Value.Enabled)
        {
            return null;
        }

        var caller = await authenticator.AuthenticateAsync(http.Request, cancellationToken).ConfigureAwait(false);
        return caller.Orgs.Count == 1 ? caller.Orgs.First() : null;
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Org access {OrgId} refused: credential {Principal} belongs to other orgs")]
    private static partial void LogForeignCredential(ILogger logger, string orgId, string principal);
}
