using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>What an <see cref="IAgentContextProvider"/> contributes: messages placed after the system prompt, and citations.</summary>
internal sealed record AgentContext(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<Citation> Citations)
{
    public static AgentContext Empty { get; } = new([], []);
}
