using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>No quotas and no accounting; the org registry replaces it.</summary>
internal sealed class UnmeteredUsage : IUsageMeter
{
    public ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
