namespace AgentFunctions.Tenancy;

/// <summary>
/// An org's retention (<see cref="OrgRetention"/>). Stores use it at read time, so data past its retention is
/// treated as gone (404) to the minute, whenever the sweep comes.
/// </summary>
internal interface IOrgRetentionPolicy
{
    ValueTask<OrgRetention> GetAsync(OrgId orgId, CancellationToken cancellationToken);
}
