using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// Context added before the model call (retrieved knowledge): extra system messages, and the citations the answer
/// reports. Register any number; each runs once per run with the org and the user's input.
/// </summary>
internal interface IAgentContextProvider
{
    /// <param name="run">This run only: the agent's own settings for context (<see cref="AgentRunScope.RetrievalTop"/>).</param>
    ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, AgentRunScope run, CancellationToken cancellationToken);
}
