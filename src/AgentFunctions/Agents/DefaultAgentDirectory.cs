using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>Every org has one agent, <c>default</c> (its own settings), until named agents exist.</summary>
internal sealed class DefaultAgentDirectory : IAgentDirectory
{
    private static readonly IReadOnlyList<string> Names = [IAgentDirectory.DefaultAgent];

    public ValueTask<IReadOnlyList<string>> ListAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.FromResult(Names);

    public ValueTask<bool> ExistsAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(string.Equals(name, IAgentDirectory.DefaultAgent, StringComparison.Ordinal));
}
