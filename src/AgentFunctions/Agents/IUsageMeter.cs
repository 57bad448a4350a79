using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// Quotas and usage accounting around each model call. <see cref="EnsureWithinQuotaAsync"/> runs
/// before the model is called and throws a 429 <c>quota_exceeded</c>; <see cref="RecordAsync"/>
/// runs after each model call (a run's chat tokens) and each embedding call (knowledge ingestion, search, retrieval:
/// a usage kind of its own that counts against the same quota), attributed to an agent and a principal.
/// </summary>
internal interface IUsageMeter
{
    ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken);

    ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken);
}
