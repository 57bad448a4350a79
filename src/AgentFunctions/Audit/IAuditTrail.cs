using AgentFunctions.Tenancy;

namespace AgentFunctions.Audit;

internal interface IAuditTrail
{
    /// <summary>The org's newest <paramref name="limit"/> events after <paramref name="cursor"/> (a page's <see cref="AuditPage.Cursor"/>), newest first.</summary>
    Task<AuditPage> ReadAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken);
}
