namespace AgentFunctions.Tenancy;

/// <summary>The default without the org registry: nothing expires.</summary>
internal sealed class KeepEverything : IOrgRetentionPolicy
{
    public ValueTask<OrgRetention> GetAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.FromResult(OrgRetention.KeepAll);
}
