using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Middleware;

/// <summary>
/// Guards <c>/api/admin/*</c>: <c>X-Admin-Key</c> must equal <c>ADMIN_API_KEY</c> (compared in constant
/// time over SHA-256 digests, so neither content nor length leaks). Unset <c>ADMIN_API_KEY</c> turns
/// the admin API off (403 saying so), and so does one that is still an unresolved Key Vault reference. Access to one org's administration is audited in that org's trail;
/// a refused attempt is only logged (see <see cref="OrgAccessRecord.CallerIdentified"/>).
/// </summary>
internal sealed class AdminGuard(IOptions<AdminOptions> options, IOrgAccessAuditor auditor)
{
    public const string Header = "X-Admin-Key";
    public const string Principal = "admin";

    /// <summary>Throws 401/403 unless the request carries the admin key; audits when <paramref name="target"/> is given.</summary>
    public async Task EnsureAdminAsync(FunctionContext context, HttpRequest request, OrgId? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var action = $"{request.Method} {request.Path}";
        try
        {
            Check(request.Headers[Header].ToString());
        }
        catch (ApiException refused)
        {
            if (target is { } denied)
            {
                // Logged only: a caller without the admin key must not learn whether the org exists.
                await auditor.RecordAsync(
                    new OrgAccessRecord(denied, AuditPrincipals.Unauthenticated, context.FunctionDefinition.Name, action, AccessOutcome.Denied, context.TraceId(), refused.Code) { CallerIdentified = false },
                    cancellationToken).ConfigureAwait(false);
            }

            throw;
        }

        if (target is { } org)
        {
            await auditor.RecordAsync(new OrgAccessRecord(org, Principal, context.FunctionDefinition.Name, action, AccessOutcome.Allowed, context.TraceId()), cancellationToken).ConfigureAwait(false);
        }
    }

    internal void Check(string presented)
    {
        if (options.Value.UsableKey is not { } key)
        {
            throw new ApiException(403, ErrorCodes.Forbidden, options.Value.IsUnresolvedKeyVaultReference
                ? "The admin API is disabled: ADMIN_API_KEY is a Key Vault reference App Service could not resolve yet (see the app's log and /api/health)."
                : "The admin API is disabled: set ADMIN_API_KEY to enable it.");
        }

        if (presented.Length == 0 || !KeyMatches(presented, key))
        {
            throw new ApiException(401, ErrorCodes.Unauthorized, $"Send the platform admin key in {Header}.");
        }
    }

    internal static bool KeyMatches(string presented, string configured) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
}
