using AgentFunctions.Tenancy;


namespace AgentFunctions.Jobs;

/// <summary>Offboarding: removes every job row of the org. Queued messages of a deleted org find no job and do nothing.</summary>
internal sealed class JobDataOwner(JobStore store) : IOrgDataOwner
{
    public string Area => "jobs";

    public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => store.DeleteAllAsync(orgId, cancellationToken);
}
