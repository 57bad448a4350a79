using AgentFunctions.Tenancy;

namespace AgentFunctions.Usage;

/// <summary>Admits one request against a per-minute limit; false when the limit is reached.</summary>
internal interface IRequestRateLimiter
{
    Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken);
}
