using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Tools the agent may call for an org (knowledge search, data store, ...). Register any number
/// (<c>services.AddSingleton&lt;IAgentToolProvider, MyTools&gt;()</c>); the tools of all providers are offered to
/// the model and run by the function-invocation pipeline. A tool must act only for the org it was created for
/// (capture the <c>orgId</c> it is given; never take the org as a tool argument).
/// </summary>
internal interface IAgentToolProvider
{
    /// <param name="run">This run only: a tool that finds sources adds them with <see cref="AgentRunScope.AddCitations"/>.</param>
    ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken);
}
