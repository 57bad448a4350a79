using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>The org's agents by name: <see cref="IAgentDirectory.DefaultAgent"/> always, then the stored definitions of the org's partition.</summary>
internal sealed class StoredAgentDirectory(AgentDefinitionStore store) : IAgentDirectory
{
    public async ValueTask<IReadOnlyList<string>> ListAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var stored = await store.ListAllAsync(orgId, cancellationToken).ConfigureAwait(false);
        return [IAgentDirectory.DefaultAgent, .. stored.Select(s => s.Definition.Name).Where(n => n != IAgentDirectory.DefaultAgent)];
    }

    public async ValueTask<bool> ExistsAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        name == IAgentDirectory.DefaultAgent
        || (AgentDefinitionRules.IsName(name) && await store.FindForRunAsync(orgId, name, cancellationToken).ConfigureAwait(false) is not null);
}
