using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>Where a run finds the org's agent by name: <c>default</c> always, others as stored; 404 <c>agent_not_found</c> otherwise.</summary>
internal interface IAgentDefinitionSource
{
    Task<StoredAgentDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken);
}
