using AgentFunctions.Tenancy;


namespace AgentFunctions.Knowledge;

/// <summary>Offboarding: every chunk of the org, in whichever backend is configured.</summary>
internal sealed class KnowledgeDataOwner(IKnowledgeStore store) : IOrgDataOwner
{
    public string Area => "knowledge";

    public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => store.DeleteAllAsync(orgId, cancellationToken);
}
