using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// Tools the agent may call for an org (knowledge search, data store, ...). Register any number
/// (<c>services.AddSingleton&lt;IAgentToolProvider, MyTools&gt;()</c>); the tools of all providers are offered to
/// the model and run by the function-invocation pipeline. A tool must act only for the org it was created for.
/// </summary>
public interface IAgentToolProvider
{
    ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, CancellationToken cancellationToken);
}

/// <summary>
/// Context added before the model call (retrieved knowledge): extra system messages, and the citations the answer
/// reports. Register any number; each runs once per run with the org and the user's input.
/// </summary>
public interface IAgentContextProvider
{
    ValueTask<AgentContext> GetContextAsync(OrgId orgId, string input, CancellationToken cancellationToken);
}

/// <summary>What an <see cref="IAgentContextProvider"/> contributes: messages placed after the system prompt, and citations.</summary>
public sealed record AgentContext(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<Citation> Citations)
{
    public static AgentContext Empty { get; } = new([], []);
}
